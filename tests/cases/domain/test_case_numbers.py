"""Case numbers as people type them."""

from __future__ import annotations

import pytest

from casetrail.cases.domain.values import format_case_number, parse_case_number


@pytest.mark.parametrize("typed", ["CS-000123", "cs-123", " Cs-0000123 "])
def test_a_number_is_read_whatever_its_case_and_leading_zeros(typed: str) -> None:
    assert parse_case_number(typed) == format_case_number(123) == "CS-000123"


@pytest.mark.parametrize("text", ["CS-", "CS-12a", "parcel CS-000123", "123", "CS 000123"])
def test_other_text_names_no_case(text: str) -> None:
    assert parse_case_number(text) is None
