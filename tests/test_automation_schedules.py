"""Schedules with a controllable clock: cron due times across daylight-saving changes (Berlin and
New York), one catch-up run after downtime, disabled schedules, missing inputs, globs, plans."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from normdesk.automation import cron
from normdesk.automation.schedules import Scheduler, last_result
from normdesk.automation.store import AutomationStore
from normdesk.engine.errors import InputError
from normdesk.jobs.model import JobStatus
from normdesk.jobs.queue import JobQueue

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
CSV = "Name,Email\nAda Lovelace,ADA@Example.com\n"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def make(home, clock, zone):
    queue = JobQueue(home, clock=clock)
    return Scheduler(AutomationStore(home), queue, clock=clock, zone=zone), queue


def local(ts: float, zone) -> datetime:
    return datetime.fromtimestamp(ts, zone)


def simulate(scheduler, clock, until: datetime, step_s: float = 300.0) -> list[float]:
    """Tick every ``step_s`` until ``until``; the times at which runs were made."""
    runs = []
    while clock.now < until.timestamp():
        clock.now += step_s
        runs += [s.last["due"] for s in scheduler.tick()]
    return runs


@pytest.mark.parametrize("zone, day, expr", [
    (BERLIN, datetime(2026, 3, 29), "30 2 * * *"),  # 02:00 -> 03:00: 02:30 does not exist
    (BERLIN, datetime(2026, 10, 25), "30 2 * * *"),  # 03:00 -> 02:00: 02:30 happens twice
    (NEW_YORK, datetime(2026, 3, 8), "30 2 * * *"),
    (NEW_YORK, datetime(2026, 11, 1), "30 1 * * *"),  # 02:00 -> 01:00: 01:30 happens twice
])
def test_daily_run_in_the_changed_hour_happens_once_each_day(home, source, zone, day, expr):
    start = (day - timedelta(days=2)).replace(hour=12, tzinfo=zone)
    clock = Clock(start)
    scheduler, queue = make(home, clock, zone)
    scheduler.add("nightly", expr, str(source))
    runs = simulate(scheduler, clock, start + timedelta(days=4))
    days = Counter(local(t, zone).date() for t in runs)
    assert list(days.values()) == [1, 1, 1, 1] and day.date() in days, days
    assert len(queue.list()) == 4


def test_a_time_in_the_skipped_hour_is_due_right_after_the_jump():
    after = datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN).timestamp()
    assert local(cron.next_due("30 2 * * *", after, BERLIN), BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


@pytest.mark.parametrize("zone, spring, autumn", [
    (BERLIN, datetime(2026, 3, 29), datetime(2026, 10, 25)),
    (NEW_YORK, datetime(2026, 3, 8), datetime(2026, 11, 1)),
])
def test_hourly_runs_once_per_wall_clock_hour(zone, spring, autumn):
    for change, expected in ((spring, 23), (autumn, 24)):
        day_start = change.replace(tzinfo=zone).timestamp()
        day_end = (change + timedelta(days=1)).replace(tzinfo=zone).timestamp()
        times = [t for t in cron.next_times("0 * * * *", day_start - 1, 30, zone) if t < day_end]
        assert len(times) == expected == len(set(times))
        assert all(b - a >= 3600 for a, b in zip(times, times[1:]))


def test_one_catch_up_run_after_downtime(home, source):
    clock = Clock(datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN))  # a Monday
    scheduler, queue = make(home, clock, BERLIN)
    schedule = scheduler.add("weekly", "0 9 * * 1", str(source))
    assert local(schedule.next_run, BERLIN) == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
    clock.now = datetime(2027, 1, 6, 10, 0, tzinfo=BERLIN).timestamp()  # off for a month: 5 Mondays missed
    ran = scheduler.tick()
    assert len(ran) == 1 and ran[0].last["missed"] == 5 and len(ran[0].last["jobs"]) == 1
    assert scheduler.tick() == []  # not once per missed time
    after = scheduler.get(schedule.id)
    assert local(after.next_run, BERLIN) == datetime(2027, 1, 11, 9, 0, tzinfo=BERLIN)
    assert after.last_run == clock.now and len(queue.list()) == 1


def test_disabled_schedules_do_not_run_and_enable_does_not_catch_up(home, source):
    clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=NEW_YORK))
    scheduler, queue = make(home, clock, NEW_YORK)
    schedule = scheduler.add("daily", "0 9 * * *", str(source), enabled=False)
    assert schedule.next_run is None
    clock.now += 3 * 86400
    assert scheduler.tick() == [] and queue.list() == []
    enabled = scheduler.set_enabled(schedule.id, True)
    assert enabled.next_run > clock.now and scheduler.tick() == []
    disabled = scheduler.set_enabled(schedule.id, False)
    clock.now += 86400
    assert disabled.next_run is None and scheduler.tick() == []
    assert [s.id for s in scheduler.list()] == [schedule.id]


def test_a_missing_input_records_a_failed_run_with_the_reason(home, tmp_path):
    clock = Clock(datetime(2026, 12, 1, 8, 59, tzinfo=BERLIN))
    scheduler, queue = make(home, clock, BERLIN)
    schedule = scheduler.add("gone", "0 9 * * *", str(tmp_path / "nowhere.csv"))
    clock.now += 120
    [ran] = scheduler.tick()
    assert ran.last["jobs"] == [] and ran.last["error"] == f"input missing: {tmp_path / 'nowhere.csv'}"
    assert last_result(ran, queue).startswith("failed: input missing")
    assert ran.next_run > clock.now  # it tries again at the next due time
    assert scheduler.get(schedule.id).to_dict(queue)["lastResult"].startswith("failed: input missing")


def test_glob_input_plan_and_output_folder(home, tmp_path):
    exports, out = tmp_path / "exports", tmp_path / "out"
    exports.mkdir(), out.mkdir()
    for name in ("a.csv", "b.csv"):
        (exports / name).write_text(CSV, encoding="utf-8")
    (exports / "notes.txt").write_text("x", encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text('{"columns": {"Email": "email"}, "output_format": "json"}', encoding="utf-8")
    clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN))
    scheduler, queue = make(home, clock, BERLIN)
    schedule = scheduler.add("both", "*/15 * * * *", str(exports / "*.csv"), plan=str(plan), output=str(out))
    ran = scheduler.run_now(schedule.id)
    jobs = [queue.get(j) for j in ran.last["jobs"]]
    assert [j.output_path for j in jobs] == [str(out / "a.normalized.json"), str(out / "b.normalized.json")]
    assert all(j.config["columns"] == {"Email": "email"} and j.status is JobStatus.PENDING for j in jobs)
    assert ran.next_run == schedule.next_run and ran.last["manual"]  # run-now leaves nextRun alone
    plan.unlink()
    assert "cannot read plan" in scheduler.run_now(schedule.id).last["error"]
    (exports / "a.csv").unlink(), (exports / "b.csv").unlink()
    plan.write_text("{}", encoding="utf-8")
    assert scheduler.run_now(schedule.id).last["error"] == f"no file matches {exports / '*.csv'}"


def test_s3_input_without_s3_is_a_failed_run(home):
    clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN))
    scheduler, _ = make(home, clock, BERLIN)
    schedule = scheduler.add("s3", "0 * * * *", "s3://bucket/exports/")
    assert "s3:// inputs need S3 to be set up" in scheduler.run_now(schedule.id).last["error"]


def test_cron_checked_and_described():
    with pytest.raises(InputError, match="needs 5 fields"):
        cron.check("0 9 * *")
    with pytest.raises(InputError, match="not valid"):
        cron.check("61 9 * * *")
    assert cron.check(" 0  9 * * 1 ") == "0 9 * * 1"
    assert cron.describe("0 9 * * 1") == "every Monday at 09:00"
    assert cron.describe("0 9 * * *") == "every day at 09:00"
    assert cron.describe("*/15 * * * *") == "every 15 minutes"
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN).timestamp()
    assert cron.summary("0 9 * * 1", monday, BERLIN) == "every Monday at 09:00 — next: Mon 7 Dec 09:00"
    assert cron.summary("0 9 * * 1", None, BERLIN) == "every Monday at 09:00 — disabled"


def test_list_json_fields(home, source):
    clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN))
    scheduler, queue = make(home, clock, BERLIN)
    scheduler.add("weekly", "0 9 * * 1", str(source))
    [d] = [s.to_dict(queue, BERLIN) for s in scheduler.list()]
    assert {"id", "name", "type", "cronExpression", "config", "enabled", "lastRun", "nextRun"} <= set(d)
    assert d["nextRun"] == "2026-12-07T09:00:00+01:00" and d["lastRun"] is None
    assert d["config"]["input"] == str(source)
