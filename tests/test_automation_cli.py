"""``normdesk schedule ...`` and ``normdesk watch ...`` from the command line (in-process main)."""

from __future__ import annotations

import json

from normdesk.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schedule_commands(home, tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("Name\nAda\n", encoding="utf-8")
    code, _, err = run(capsys, "schedule", "add", "--name", "x", "--cron", "0 9 * *", "--input", str(src))
    assert code == 2 and err.strip() == "normdesk: cron expression '0 9 * *' needs 5 fields: minute hour day month weekday"
    code, out, _ = run(capsys, "schedule", "add", "--name", "weekly", "--cron", "0 9 * * 1", "--input", str(src),
                       "-o", str(tmp_path), "--format", "xlsx")
    assert code == 0 and "0 9 * * 1: every Monday at 09:00 — next: Mon " in out
    sid = out.split()[0]
    code, out, _ = run(capsys, "schedule", "list", "--json")
    [s] = json.loads(out)
    assert (s["id"], s["name"], s["cronExpression"], s["enabled"], s["lastRun"]) == (sid, "weekly", "0 9 * * 1", True, None)
    assert s["nextRun"] and s["config"] == {"input": str(src), "plan": None, "output": str(tmp_path), "format": "xlsx"}
    assert run(capsys, "schedule", "disable", sid[-5:])[0] == 0
    [s] = json.loads(run(capsys, "schedule", "list", "--json")[1])
    assert s["enabled"] is False and s["nextRun"] is None
    assert run(capsys, "schedule", "enable", sid)[0] == 0
    code, out, _ = run(capsys, "schedule", "run-now", sid)
    assert code == 0 and "queued 1 job(s)" in out
    [s] = json.loads(run(capsys, "schedule", "list", "--json")[1])
    assert s["lastRun"] and s["lastResult"].startswith("running") and s["nextRun"]
    src.unlink()
    code, out, _ = run(capsys, "schedule", "run-now", sid)
    assert code == 2 and f"run failed: input missing: {src}" in out
    assert run(capsys, "schedule", "remove", sid)[0] == 0
    assert run(capsys, "schedule", "list")[1].strip() == "no schedules"
    code, _, err = run(capsys, "schedule", "remove", "nope")
    assert code == 2 and err.strip() == "normdesk: no schedule 'nope'"


def test_watch_commands(home, tmp_path, capsys):
    code, _, err = run(capsys, "watch", "add", str(tmp_path / "missing"))
    assert code == 2 and err.strip() == f"normdesk: no such folder: {tmp_path / 'missing'}"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "already.csv").write_text("Name\nAda\n", encoding="utf-8")
    code, out, _ = run(capsys, "watch", "add", str(tmp_path / "in"), "--pattern", "*.csv", "--done", str(tmp_path / "archive"))
    assert code == 0 and "files already there are processed too" in out
    wid = out.split()[0]
    assert (tmp_path / "archive").is_dir() and (tmp_path / "in" / "normalized").is_dir()
    code, _, err = run(capsys, "watch", "add", str(tmp_path / "in"))
    assert code == 2 and "already watched" in err
    [w] = json.loads(run(capsys, "watch", "list", "--json")[1])
    assert w["id"] == wid and w["done"] == str(tmp_path / "archive")
    assert w["counts"] == {"processed": 0, "failed": 0, "waiting": 1}
    assert run(capsys, "watch", "remove", wid)[0] == 0
    assert run(capsys, "watch", "list")[1].strip() == "no watched folders"
