"""Malformed lines quarantined into <stem>.rejects.csv: the reader, run_file (rows in order, the
rejects file exact, resume, strict, the threshold), the command line and a queued job."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from normdesk.engine import Checkpoint, InputError, Plan, run_file
from normdesk.engine.quality_report import render_html
from normdesk.engine.reader import MAX_REJECT_SHARE, REJECT_WINDOW, open_source
from normdesk.engine.rejects import rejects_path
from normdesk.engine.writer import PART_SUFFIX
from normdesk.jobs.dispatch import Dispatcher, sweep_part_files
from normdesk.jobs.model import JobStatus, Policy
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings

PLAN = Plan.from_dict({"columns": {"name": "name", "email": "email", "note": "none"}})
HEADER = "name,email,note"
WIDE = "line {n} has 4 fields, the header has 3"


def good(i: int) -> str:
    return f"person {i} smith,p{i}@example.com,note {i}"


def contacts(path: Path, rows: int, bad: dict[int, str], newline: str = "\n", encoding: str = "utf-8") -> dict:
    """``rows`` good rows; ``bad[i]`` (raw text) written before good row i (i == rows: after the last).
    Returns the good rows and the rejects expected: (physical line, raw)."""
    lines, expected_rows, expected_rejects = [HEADER], [], []
    for i in range(rows + 1):
        if i in bad:
            expected_rejects.append((len(lines) + 1, bad[i]))
            lines.append(bad[i])
        if i < rows:
            lines.append(good(i))
            expected_rows.append(good(i).split(","))
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return {"rows": expected_rows, "rejects": expected_rejects}


def read(path: Path, chunk: int = 1000, skip: int = 0):
    with open_source(path) as source:
        rows, rejects = [], []
        for frame in source.chunks(chunk, skip, quarantine=True):
            rows += [list(r) for r in frame.iter_rows()]
            rejects += source.take_rejects()
        rejects += source.take_rejects()
        return rows, rejects, source.skipped_rejects


def csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, newline="", encoding=encoding) as f:
        return list(csv.reader(f))


# --- the reader ------------------------------------------------------------------------------

def test_each_kind_of_malformed_line_is_set_aside_with_its_exact_text(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes((
        "name,email,note\r\n"
        "ann,a@x.org,one\r\n"
        "bob,b@x.org,two,EXTRA\r\n"              # 3: a non-blank extra field
        'cy,c@x.org,"a quoted\r\nline break"\r\n'  # 4-5: a good multi-line record
        'dee,"d@x.org,three\r\n'                 # 6: a quote that closes in the wrong place...
        "eve,e@x.org,four\r\n"
        "fay,f@x.org,five\r\n"
        'gus,g@x.org,"six\r\n'                   # 9: ...here too, closed by the quote on line 11
        "hal,h@x.org,seven\r\n"
        "ida,i@x.org,  spaces kept ,\"q\" x\r\n"  # 11: extra field; the raw text is exact
        "jo,j@x.org,eight,,\r\n"                 # blank extras are trailing delimiters, not malformed
        'kim,"k@x.org,nine\r\n'                  # 13: a quote that never closes
        "lee,l@x.org,ten\r\n"
    ).encode("cp1252"))
    rows, rejects, _ = read(path)
    assert rows == [
        ["ann", "a@x.org", "one"], ["cy", "c@x.org", "a quoted\r\nline break"], ["eve", "e@x.org", "four"],
        ["fay", "f@x.org", "five"], ["hal", "h@x.org", "seven"], ["jo", "j@x.org", "eight"],
        ["lee", "l@x.org", "ten"],
    ]
    assert [(r.line, r.reason, r.raw) for r in rejects] == [
        (3, WIDE.format(n=3), "bob,b@x.org,two,EXTRA"),
        (6, "the quote opened on line 6 closes on line 9: the lines between read as rows", 'dee,"d@x.org,three'),
        (9, "the quote opened on line 9 closes on line 11: the lines between read as rows", 'gus,g@x.org,"six'),
        (11, WIDE.format(n=11), 'ida,i@x.org,  spaces kept ,"q" x'),
        (13, "unterminated quoted field starting on line 13", 'kim,"k@x.org,nine'),
    ]


def test_a_too_wide_record_over_two_lines_is_set_aside_whole(tmp_path):
    """Its second line may be a fragment of a quoted field or a row: nothing tells, so no guess."""
    path = tmp_path / "in.csv"
    path.write_text('a,b,c\n1,"two\nlines",x,EXTRA\n2,y,z\n', encoding="utf-8")
    rows, rejects, _ = read(path)
    assert rows == [["2", "y", "z"]]
    assert [(r.line, r.reason, r.raw) for r in rejects] == [(2, WIDE.format(n=2), '1,"two\nlines",x,EXTRA')]


def test_strict_read_still_raises_at_the_first_malformed_line(tmp_path):
    path = tmp_path / "in.csv"
    contacts(path, 50, {30: "x,y,z,EXTRA"})
    with open_source(path) as source, pytest.raises(InputError, match=r"^line 32 has 4 fields, the header has 3$"):
        list(source.chunks(10))


def test_rejects_follow_the_chunks_and_skipping_counts_them(tmp_path):
    path = tmp_path / "in.csv"
    want = contacts(path, 95, {0: "a,b,c,d", 10: "e,f,g,h", 11: "i,j,k,l", 40: "m,n,o,p", 95: "q,r,s,t"})
    assert [n for n, _ in want["rejects"]] == [2, 13, 15, 45, 101]
    with open_source(path) as source:
        per_chunk = [(frame.height, [r.line for r in source.take_rejects()])
                     for frame in source.chunks(19, quarantine=True)]
        tail = [r.line for r in source.take_rejects()]
    # a chunk's rejects are those met before its last row; one after the last row of a full chunk
    # is met by the read that finds the end of the file, after the last frame
    assert per_chunk == [(19, [2, 13, 15]), (19, []), (19, [45]), (19, []), (19, [])]
    assert tail == [101]
    rows, rejects, skipped = read(path, chunk=20, skip=40)
    assert rows == want["rows"][40:] and skipped == 3 and [r.line for r in rejects] == [45, 101]


def test_sample_leaves_malformed_lines_out(tmp_path):
    path = tmp_path / "in.csv"
    want = contacts(path, 30, {2: "bad,line,with,four"})
    with open_source(path) as source:
        assert [list(r) for r in source.sample(10).iter_rows()] == want["rows"][:10]


def test_a_file_mostly_malformed_fails_at_once_with_the_reason(tmp_path):
    path = tmp_path / "in.csv"
    limit = int(MAX_REJECT_SHARE * REJECT_WINDOW)  # 1,000 of the first 10,000 records
    contacts(path, 50_000, {i: f"x{i},y,z,EXTRA" for i in range(0, 50_000, 8)})  # one in nine
    read_rows = 0
    with open_source(path) as source, pytest.raises(InputError) as err:
        for frame in source.chunks(500, quarantine=True):
            read_rows += frame.height
    assert re.match(rf"{limit + 1:,} of the first [\d,]+ lines are malformed \(the first: {WIDE.format(n=2)}\): "
                    "probably the wrong delimiter or quote character, or a title line above the header$",
                    str(err.value))
    assert read_rows < REJECT_WINDOW  # at once: within the first 10,000 records


def test_the_threshold_boundary(tmp_path):
    at_limit, over = tmp_path / "at.csv", tmp_path / "over.csv"
    # exactly 10% of the first 10,000 records malformed: read; one more: refused
    contacts(at_limit, 20_000, {i: "a,b,c,d" for i in range(0, 9 * 1000, 9)})  # the last at record 9,990
    contacts(over, 20_000, {i: "a,b,c,d" for i in range(0, 8 * 1001, 8)})  # the 1,001st at record 9,000
    rows, rejects, _ = read(at_limit)
    assert len(rows) == 20_000 and len(rejects) == 1_000
    with pytest.raises(InputError, match="^1,001 of the first 9,001 lines are malformed"):
        read(over)


@pytest.mark.parametrize("rows, bad, fails", [
    (0, {0: "a,b,c,d"}, False),  # one malformed line never sinks a file, even when it is the only line
    (1, {0: "a,b,c,d", 1: "e,f,g,h"}, True),  # most lines malformed (2 of 3)
    (40, {i: "a,b,c,d" for i in range(9)}, False),  # 9 of 49: over 10% but fewer than MIN_REJECTS
    (200, {i: "a,b,c,d" for i in range(0, 100, 10)}, False),  # 10 of 210: under 10%
    (90, {i: "a,b,c,d" for i in range(0, 91, 9)}, True),  # 11 of 101: over 10%, from 10 on
])
def test_the_threshold_in_a_short_file(tmp_path, rows, bad, fails):
    path = tmp_path / "in.csv"
    want = contacts(path, rows, bad)
    if fails:
        with pytest.raises(InputError, match="lines are malformed"):
            read(path)
    else:
        assert read(path)[0] == want["rows"]


# --- run_file ----------------------------------------------------------------------------------

def expected_rejects_file(want: dict, encoding: str = "utf-8") -> list[list[str]]:
    return [["line", "reason", "raw"]] + [[str(n), WIDE.format(n=n), raw] for n, raw in want["rejects"]]


def bad_lines(rows: int, every: int) -> dict[int, str]:
    return {i: f"bad {i},é{i}@x.org,  note ,EXTRA {i}" for i in range(every // 2, rows + 1, every)}


def test_run_keeps_every_good_row_in_order_and_writes_the_rejects_file(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    want = contacts(src, 1000, bad_lines(1000, 100), newline="\r\n", encoding="cp1252")
    report = run_file(src, out, PLAN, workers=0, chunk_rows=64)
    assert report.total_rows == 1000 and report.rejects == 10
    assert report.rejects_file == str(tmp_path / "out.rejects.csv")
    header, *rows = csv_rows(out)
    name, note = header.index("name"), header.index("note")
    assert [[r[name], r[note]] for r in rows] == [[r[0], r[2]] for r in want["rows"]]
    assert csv_rows(tmp_path / "out.rejects.csv") == expected_rejects_file(want)
    assert f"10 malformed lines set aside in {tmp_path / 'out.rejects.csv'}" in report.summary()
    assert f"10 malformed lines set aside in {tmp_path / 'out.rejects.csv'}: malformed lines are not in the output" \
        in render_html(report, src)
    assert not list(tmp_path.glob(f".*{PART_SUFFIX}"))


def test_strict_run_fails_at_the_first_malformed_line_and_leaves_nothing(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.parquet"
    contacts(src, 500, bad_lines(500, 200))
    with pytest.raises(InputError, match="^line 102 has 4 fields, the header has 3$"):
        run_file(src, out, PLAN, workers=0, chunk_rows=64, strict=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_run_on_a_mostly_malformed_file_fails_and_leaves_nothing(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    contacts(src, 30_000, {i: f"x{i},y,z,EXTRA" for i in range(0, 30_000, 5)})
    with pytest.raises(InputError, match="lines are malformed"):
        run_file(src, out, PLAN, workers=0, chunk_rows=1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_clean_rerun_removes_the_rejects_file_of_the_previous_run(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    contacts(src, 20, {5: "a,b,c,d"})
    assert run_file(src, out, PLAN, workers=0).rejects == 1 and rejects_path(out).exists()
    contacts(src, 20, {})
    report = run_file(src, out, PLAN, workers=0)
    assert report.rejects == 0 and report.rejects_file == "" and not rejects_path(out).exists()


class Crash(Exception):
    pass


@pytest.mark.parametrize("crash_after", [1, 4])  # before the first reject is written; after some
def test_resume_neither_duplicates_nor_drops_rejects(tmp_path, crash_after):
    src = tmp_path / "in.csv"
    bad = {**bad_lines(1000, 150), 1000: "after,the,last,row"}  # rejects before rows 75, 225... and at the end
    want = contacts(src, 1000, bad)
    run_file(src, tmp_path / "whole.csv", PLAN, workers=0, chunk_rows=50)
    seen: list[Checkpoint] = []

    def on_checkpoint(cp):
        seen.append(cp)
        if len(seen) == crash_after:
            raise Crash  # as if the process died after this chunk

    with pytest.raises(Crash):
        run_file(src, tmp_path / "resumed.csv", PLAN, workers=0, chunk_rows=50, on_checkpoint=on_checkpoint)
    last = Checkpoint.from_dict(json.loads(json.dumps(seen[-1].to_dict())))
    assert (last.rejects_part is None) == (crash_after == 1)
    assert last.report["rejects"] == sum(1 for i in bad if i < last.rows_done)  # those before its rows
    report = run_file(src, tmp_path / "resumed.csv", PLAN, workers=0, chunk_rows=50, checkpoint=last)
    assert report.rejects == len(want["rejects"]) == 8
    assert (tmp_path / "resumed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    rejects = csv_rows(tmp_path / "resumed.rejects.csv")
    assert rejects[:-1] == expected_rejects_file(want)[:-1]
    assert rejects[-1] == [str(want["rejects"][-1][0]), "line 1009 has 4 fields, the header has 3", "after,the,last,row"]
    assert rejects == csv_rows(tmp_path / "whole.rejects.csv")
    assert not list(tmp_path.glob(f".*{PART_SUFFIX}"))


# --- the command line, a queued job ------------------------------------------------------------

def normdesk(*args, env=None):
    return subprocess.run([sys.executable, "-m", "normdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def test_cli_quarantines_by_default_and_strict_fails(tmp_path, home):
    src = tmp_path / "in.csv"
    contacts(src, 40, {10: "x,y,z,EXTRA"})
    done = normdesk("run", src, "-o", tmp_path / "out.csv", "--type", "note=none")
    assert done.returncode == 0, done.stderr
    assert f"1 malformed line set aside in {tmp_path / 'out.rejects.csv'}" in done.stdout
    strict = normdesk("run", src, "-o", tmp_path / "strict.csv", "--strict")
    assert strict.returncode == 2 and strict.stderr.strip().endswith(WIDE.format(n=12))
    assert not (tmp_path / "strict.csv").exists() and not (tmp_path / "strict.rejects.csv").exists()


def test_the_strict_lines_setting_reaches_the_cli(tmp_path, home, monkeypatch):
    src = tmp_path / "in.csv"
    contacts(src, 40, {10: "x,y,z,EXTRA"})
    monkeypatch.setenv("NORMDESK_STRICT_LINES", "true")
    strict = normdesk("run", src, "-o", tmp_path / "out.csv")
    assert strict.returncode == 2 and WIDE.format(n=12) in strict.stderr


@pytest.fixture
def dispatcher(home):
    queue = JobQueue(policy=Policy.from_settings(Settings(max_attempts=1, backoff_s=0.0)))
    d = Dispatcher(queue, concurrency=1, start_rate=1e9, workers=0, chunk_rows=50)
    d.open()
    yield d
    d.close()
    queue.close()


def run_next(dispatcher):
    control = dispatcher.claim()
    assert control is not None
    return dispatcher.run(control)


def test_a_job_completes_with_its_rejects_counted(tmp_path, dispatcher):
    src = tmp_path / "in.csv"
    want = contacts(src, 300, bad_lines(300, 100))
    job = dispatcher.queue.submit(src, plan=PLAN)
    done = run_next(dispatcher)
    assert done.status is JobStatus.COMPLETED and done.report["rejects"] == 3
    assert done.report["rejects_file"] == str(tmp_path / "in.normalized.rejects.csv")
    assert csv_rows(Path(done.report["rejects_file"])) == expected_rejects_file(want)
    assert dispatcher.queue.get(job.id).report["total_rows"] == 300


def test_a_strict_job_fails_at_the_line(tmp_path, dispatcher, monkeypatch):
    src = tmp_path / "in.csv"
    contacts(src, 300, bad_lines(300, 100))
    monkeypatch.setenv("NORMDESK_STRICT_LINES", "1")
    dispatcher.queue.submit(src, plan=PLAN)
    failed = run_next(dispatcher)
    assert failed.status is JobStatus.FAILED and failed.error_message == WIDE.format(n=52)


def test_the_sweep_keeps_a_live_rejects_part_and_removes_a_dead_one(tmp_path, dispatcher):
    queue = dispatcher.queue
    src = tmp_path / "in.csv"
    contacts(src, 10, {})
    live_job = queue.submit(src, tmp_path / "a.csv", plan=PLAN)
    queue.submit(src, tmp_path / "b.csv", plan=PLAN)
    live = tmp_path / f".a.rejects.csv.0123abcd{PART_SUFFIX}"
    dead = tmp_path / f".b.rejects.csv.89abcdef{PART_SUFFIX}"
    for path in (live, dead):
        path.write_text("x")
    queue.claim("old")
    queue.progress(live_job.id, "old", 5, 0.1, {"part_path": str(tmp_path / "gone"), "rows_done": 5, "out_bytes": 1,
                                                "report": {}, "rejects_part": str(live), "rejects_bytes": 1})
    assert sweep_part_files(queue) == [dead]
    assert live.exists()


def test_an_api_upload_with_a_malformed_line_is_taken_and_completes_with_its_reject(tmp_path):
    from api_server import Serve, make_key, upload, wait_for_job

    home = tmp_path / "home"
    key = make_key(home, "all", "read,submit,manage")
    serve = Serve(home)
    try:
        src = tmp_path / "in.csv"
        contacts(src, 30, {10: "x,y,z,EXTRA"})
        with serve.client(key) as c:
            taken = upload(c, src)
            assert taken.status_code == 201 and taken.json()["totalRows"] == 30, taken.text
            job = wait_for_job(c, taken.json()["jobId"])
        assert job["status"] == "completed" and job["report"]["rejects"] == 1
        assert Path(job["report"]["rejects_file"]).name.endswith(".rejects.csv")
    finally:
        assert serve.stop() == 0, serve.output()


def test_a_checkpoint_whose_rejects_part_is_gone_is_not_resumed(tmp_path, dispatcher):
    from normdesk.jobs.runner import resume_point

    queue = dispatcher.queue
    src = tmp_path / "in.csv"
    contacts(src, 10, {})
    job = queue.submit(src, plan=PLAN)
    part, rejects_part = tmp_path / ".in.part", tmp_path / ".in.rejects.part"
    part.write_text("x")
    queue.claim("old")
    queue.progress(job.id, "old", 5, 0.1, {"part_path": str(part), "rows_done": 5, "out_bytes": 1, "report": {},
                                           "rejects_part": str(rejects_part), "rejects_bytes": 1})
    assert resume_point(queue, job) is None  # it would fail to resume: start over instead
    rejects_part.write_text("x")
    assert resume_point(queue, job).rejects_part == str(rejects_part)
