"""Cron expressions: checked and stepped by croniter, described in words by cron-descriptor.

Due times are wall-clock times in the user's time zone. Each wall time is due once: when the
clocks go back, a time of the repeated hour is not due a second time; when they go forward, a
time inside the skipped hour is due at the matching instant after the jump (02:30 -> 03:30), so a
daily schedule runs exactly once on both days of the year.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from croniter import croniter

from normdesk.engine.errors import InputError

PRESETS = {
    "hourly": "0 * * * *",
    "daily": "0 9 * * *",
    "weekly": "0 9 * * 1",
    "monthly": "0 9 1 * *",
}


def local_zone() -> tzinfo:
    """The user's time zone (tzlocal reads the OS setting; TZ wins when set)."""
    from tzlocal import get_localzone

    return get_localzone()


def check(expr: str) -> str:
    """The expression, stripped, or ``InputError`` with a one-line reason."""
    expr = " ".join(str(expr).split())
    if len(expr.split()) != 5:
        raise InputError(f"cron expression {expr!r} needs 5 fields: minute hour day month weekday")
    if not croniter.is_valid(expr):
        raise InputError(f"cron expression {expr!r} is not valid")
    return expr


def next_due(expr: str, after: float, zone: tzinfo | None = None) -> float:
    """The first due time strictly after ``after`` (epoch seconds), in ``zone``'s wall clock."""
    zone = zone or local_zone()
    wall = datetime.fromtimestamp(after, zone).replace(tzinfo=None)
    steps = croniter(expr, wall)
    while True:
        due = steps.get_next(datetime).replace(tzinfo=zone, fold=0).timestamp()
        if due > after:
            return due


def next_times(expr: str, after: float, count: int, zone: tzinfo | None = None) -> list[float]:
    zone = zone or local_zone()
    times: list[float] = []
    for _ in range(count):
        after = next_due(expr, after, zone)
        times.append(after)
    return times


def describe(expr: str) -> str:
    """Plain words: ``0 9 * * 1`` -> ``every Monday at 09:00``."""
    from cron_descriptor import Options, get_description

    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    text = get_description(expr, options)
    return _plain(text)


def _plain(text: str) -> str:
    """cron-descriptor's "At 09:00, only on Monday" reads better as "every Monday at 09:00"."""
    timed = re.fullmatch(r"At (\d\d:\d\d)(?:, (.+))?", text)
    if timed:
        rest = (timed[2] or "every day").replace("only on ", "every ")
        return f"{rest} at {timed[1]}"
    return text[0].lower() + text[1:] if text else text


def short_time(ts: float, zone: tzinfo | None = None) -> str:
    """``Mon 7 Dec 09:00`` in ``zone`` (the user's by default)."""
    at = datetime.fromtimestamp(ts, zone or local_zone())
    return f"{at:%a} {at.day} {at:%b %H:%M}"


def summary(expr: str, next_run: float | None, zone: tzinfo | None = None) -> str:
    """``every Monday at 09:00 — next: Mon 7 Dec 09:00`` (``— disabled`` without a next run)."""
    return f"{describe(expr)} — " + (f"next: {short_time(next_run, zone)}" if next_run else "disabled")
