"""What the read models store for text PostgreSQL cannot hold, and what they keep as is."""

from __future__ import annotations

from casetrail.kernel.storable_text import storable_json, storable_text


def test_nul_and_unpaired_surrogates_become_the_replacement_character() -> None:
    assert storable_text("a\x00b") == "a\ufffdb"
    assert storable_text("\ud800 and \udfff") == "\ufffd and \ufffd"


def test_a_surrogate_pair_becomes_the_character_it_encodes() -> None:
    assert storable_text("box \ud83d\udce6") == "box \U0001f4e6"


def test_emoji_and_right_to_left_overrides_are_kept() -> None:
    text = "\U0001f4e6 \U00020bb7 \u202etxet desrever\u202c"
    assert storable_text(text) is text


def test_json_values_are_made_storable_keys_included() -> None:
    payload = {"reason\x00": ["a\x00", {"deep": "\ud800"}], "level": 2, "none": None}
    assert storable_json(payload) == {
        "reason\ufffd": ["a\ufffd", {"deep": "\ufffd"}],
        "level": 2,
        "none": None,
    }
