"""Business time: the hours a support team works, in its own time zone, minus holidays.

A calendar has weekly windows (several a day allowed, e.g. 09:00–12:00 and 13:00–17:00),
holidays as local dates and an IANA time zone. Its open intervals are computed in that
zone's wall-clock time and returned as UTC instants, so a day that loses or gains an hour
at a DST change has its windows as long as the clocks on the wall say. Durations added
in business time skip nights, weekends and holidays.

``ALWAYS_OPEN`` is the 24/7 calendar of a policy that names none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casetrail.sla.domain.errors import InvalidDefinition

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# How far ahead business time is looked for: past this a deadline is not a deadline.
MAX_SEARCH_DAYS = 3 * 366
MAX_HOLIDAYS = 5_000
_CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


class WorkingTime(Protocol):
    """What the clocks need of a calendar: its open intervals, as UTC instants."""

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals within [start, end), clipped to it, in order."""
        ...

    def open_intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals from ``start`` on, clipped to it, in order (bounded ahead)."""
        ...


@dataclass(frozen=True, order=True)
class Window:
    """Opening hours within one day, in minutes after local midnight (end 1440 = 24:00)."""

    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, pair: Sequence[str], field: str) -> Window:
        if len(pair) != 2:
            raise InvalidDefinition(field, "a window is two times, such as ['09:00', '17:00']")
        start = _minutes(pair[0], f"{field}.0")
        end = _minutes(pair[1], f"{field}.1")
        if start >= MINUTES_PER_DAY:
            raise InvalidDefinition(f"{field}.0", "a window cannot start at 24:00")
        if end <= start:
            raise InvalidDefinition(
                field, f"the window ends ({pair[1]}) before it starts ({pair[0]})"
            )
        return cls(start, end)

    def formatted(self) -> list[str]:
        return [_clock(self.start_minute), _clock(self.end_minute)]


def _minutes(text: str, field: str) -> int:
    match = _CLOCK_TIME.match(text)
    if match is None:
        raise InvalidDefinition(field, f"{text!r} is not a time such as '09:00'")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_PER_DAY:
        raise InvalidDefinition(field, f"{text!r} is past 24:00")
    return minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidDefinition(
            field, f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    weekly: tuple[tuple[Window, ...], ...]  # seven days, Monday first
    holidays: frozenset[date]
    # Each local day's windows as UTC instants, computed once per day asked about (the
    # time-zone arithmetic is what deadlines spend their time on).
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    @classmethod
    def define(
        cls,
        timezone: str,
        weekly_hours: Mapping[str, Sequence[Sequence[str]]],
        holidays: Iterable[date] = (),
    ) -> BusinessHours:
        """Validate a definition; every error names its field (``weekly_hours.mon.1``)."""
        zone_named(timezone)
        unknown = sorted(set(weekly_hours) - set(WEEKDAYS))
        if unknown:
            raise InvalidDefinition(
                f"weekly_hours.{unknown[0]}", f"not a weekday: use {', '.join(WEEKDAYS)}"
            )
        days: list[tuple[Window, ...]] = []
        for day in WEEKDAYS:
            windows = sorted(
                (
                    Window.parse(pair, f"weekly_hours.{day}.{index}"),
                    index,
                )
                for index, pair in enumerate(weekly_hours.get(day, ()))
            )
            for (earlier, _), (later, index) in itertools.pairwise(windows):
                if later.start_minute < earlier.end_minute:
                    raise InvalidDefinition(
                        f"weekly_hours.{day}.{index}",
                        f"the window overlaps another of {day} ({later.formatted()} and"
                        f" {earlier.formatted()})",
                    )
            days.append(tuple(window for window, _ in windows))
        if not any(days):
            raise InvalidDefinition("weekly_hours", "a calendar needs at least one window")
        dates = frozenset(holidays)
        if len(dates) > MAX_HOLIDAYS:
            raise InvalidDefinition("holidays", f"at most {MAX_HOLIDAYS} dates")
        return cls(timezone, tuple(days), dates)

    def weekly_hours(self) -> dict[str, list[list[str]]]:
        return {
            day: [window.formatted() for window in windows]
            for day, windows in zip(WEEKDAYS, self.weekly, strict=True)
            if windows
        }

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        for opens, closes in self.open_intervals_from(start):
            if opens >= end:
                return
            yield opens, min(closes, end)

    def open_intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        zone = ZoneInfo(self.timezone)  # the module keeps one instance per name
        try:
            day = start.astimezone(zone).date()
        except OverflowError:
            return
        latest = start
        for offset in range(MAX_SEARCH_DAYS):
            try:
                local_day = day + timedelta(days=offset)
                windows = self._windows_of(local_day, zone)
            except OverflowError:  # the end of the calendar (year 9999)
                return
            for opens, closes in windows:
                # A DST change can make wall-clock windows touch or vanish; never go back.
                opens = max(opens, latest)
                if closes > opens:
                    latest = closes
                    yield opens, closes

    def _windows_of(self, local_day: date, zone: ZoneInfo) -> tuple[tuple[datetime, datetime], ...]:
        known = self._days.get(local_day)
        if known is None:
            if local_day in self.holidays:
                known = ()
            else:
                known = tuple(
                    (
                        _instant(local_day, window.start_minute, zone),
                        _instant(local_day, window.end_minute, zone),
                    )
                    for window in self.weekly[local_day.weekday()]
                )
            self._days[local_day] = known
        return known


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes == MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


class AlwaysOpen:
    """The 24/7 calendar."""

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        if end > start:
            yield start, end

    def open_intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        try:
            end = start + timedelta(days=MAX_SEARCH_DAYS)
        except OverflowError:  # near the end of the calendar (year 9999)
            end = datetime.max.replace(tzinfo=UTC)
        yield start, end


ALWAYS_OPEN = AlwaysOpen()


class NoBusinessTimeAhead(ValueError):
    """A duration cannot be added: the calendar has no such business time ahead."""


def business_time_between(calendar: WorkingTime, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for opens, closes in calendar.open_intervals(start, end):
        total += closes - opens
    return total


def add_business_time(calendar: WorkingTime, start: datetime, amount: timedelta) -> datetime:
    """The instant at which ``amount`` of business time has passed since ``start``."""
    if amount <= timedelta(0):
        return start
    left = amount
    for opens, closes in calendar.open_intervals_from(start):
        if closes - opens >= left:
            return opens + left
        left -= closes - opens
    raise NoBusinessTimeAhead(f"no {amount} of business time within {MAX_SEARCH_DAYS} days")
