"""`normdesk jobs ...` and `normdesk worker --once` as real processes on a temporary data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "NORMDESK_HOME": str(tmp_path / "home"), "NORMDESK_RETRY_BACKOFF": "0"}

    def run(*args, code=0):
        proc = subprocess.run([sys.executable, "-m", "normdesk", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path)
        assert proc.returncode == code, proc.stderr
        return proc

    return run


def test_submit_work_show_stats_retry(tmp_path, cli):
    (tmp_path / "a.csv").write_text("Name,Tel,Notes\nada lovelace,(415) 555-0100,x\nbob,12,y\n")
    (tmp_path / "plan.json").write_text(json.dumps({"columns": {"Name": "name", "Tel": "phone"}}))
    (tmp_path / "bad.csv").write_bytes(b"\x00\xff" * 300)
    submitted = json.loads(cli("jobs", "submit", "a.csv", "--type", "Notes=none", "--json").stdout)
    planned = json.loads(cli("jobs", "submit", "a.csv", "--plan", "plan.json", "-o", "p.json", "--json").stdout)
    bad = json.loads(cli("jobs", "submit", "bad.csv", "--json").stdout)[0]
    assert planned[0]["outputPath"].endswith("p.json") and planned[0]["config"]["output_format"] == "json"
    err = cli("jobs", "submit", "missing.csv", code=2)
    assert err.stderr.strip() == "normdesk: no such file: missing.csv"
    cli("worker", "--once")
    jobs = {j["id"]: j for j in json.loads(cli("jobs", "list", "--json").stdout)}
    assert jobs[submitted[0]["id"]]["status"] == "completed" and jobs[bad["id"]]["status"] == "failed"
    assert jobs[bad["id"]]["attempts"] == 1  # bad input: no retry
    assert "config" not in jobs[bad["id"]] and "report" not in jobs[bad["id"]]  # `jobs show` has them
    assert (tmp_path / "a.normalized.csv").read_text().splitlines()[1].endswith(",+14155550100,,x,")
    assert json.loads((tmp_path / "p.json").read_text())[0]["Tel"] == "+14155550100"
    shown = cli("jobs", "show", submitted[0]["id"][-5:]).stdout
    assert "completed" in shown and "2 rows" in shown
    assert json.loads(cli("jobs", "stats", "--json").stdout)["failed"] == 1
    cli("jobs", "retry", bad["id"])
    assert json.loads(cli("jobs", "show", bad["id"], "--json").stdout)["status"] == "pending"
    assert "cancelled" in cli("jobs", "cancel", bad["id"]).stdout
    cli("jobs", "cancel", submitted[0]["id"], code=2)
    assert "removed" in cli("jobs", "clean").stdout


def test_many_files_need_an_output_folder(tmp_path, cli):
    for name in "xy":
        (tmp_path / f"{name}.csv").write_text("email\nA@B.COM\n")
    err = cli("jobs", "submit", "x.csv", "y.csv", "-o", "nope.csv", code=2)
    assert "existing folder" in err.stderr
    (tmp_path / "out").mkdir()
    jobs = json.loads(cli("jobs", "submit", "x.csv", "y.csv", "-o", "out", "--json").stdout)
    assert [os.path.basename(j["outputPath"]) for j in jobs] == ["x.normalized.csv", "y.normalized.csv"]


def test_a_bad_environment_setting_is_one_line(tmp_path):
    env = {**os.environ, "NORMDESK_HOME": str(tmp_path / "home"), "NORMDESK_MAX_ATTEMPTS": "many"}
    proc = subprocess.run([sys.executable, "-m", "normdesk", "jobs", "stats"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and proc.stderr == "normdesk: NORMDESK_MAX_ATTEMPTS must be a number, not 'many'\n"
