"""The projections a process runs, by name.

The subscription machinery knows no context: each context's views are registered here by
the wiring (``casetrail.bootstrap.projection_catalog``) before any runner, rebuild or status
report needs them.
"""

from __future__ import annotations

from casetrail.platform.subscriptions.view import BatchedView

_VIEWS: dict[str, type[BatchedView]] = {}


class UnknownProjection(KeyError):
    """No projection of that name is registered."""


def register(*views: type[BatchedView]) -> None:
    for view in views:
        _VIEWS[view.projection_name] = view


def projection_names() -> tuple[str, ...]:
    return tuple(_VIEWS)


def view_class(projection: str) -> type[BatchedView]:
    try:
        return _VIEWS[projection]
    except KeyError:
        raise UnknownProjection(projection) from None


def tracking_table(projection: str, version: int) -> str:
    return f"{projection}_v{version}_tracking"
