"""The stack's definitions kept in the repository's ``stack/`` folder: Maven poms and engine
configuration templates.

A wheel carries them inside the package (``assets/``); a source checkout, installed editable,
reads them where they are kept.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path

from casetrail.devstack.errors import StackError


def assets_dir() -> Path:
    packaged = Path(__file__).with_name("assets")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "stack"
    if checkout.is_dir():
        return checkout
    raise StackError(
        "the stack definitions (pom.xml files and engine configuration) are missing from "
        "this installation of casetrail: reinstall it from its wheel or source checkout"
    )


def asset(relative: str) -> Path:
    return assets_dir() / relative


def render(relative: str, values: Mapping[str, object]) -> str:
    """The template ``relative`` with its ``${name}`` placeholders filled in."""
    template = string.Template(asset(relative).read_text())
    return template.substitute({name: str(value) for name, value in values.items()})


def render_to(relative: str, values: Mapping[str, object], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(relative, values))
    return target
