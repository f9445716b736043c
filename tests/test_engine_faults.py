"""The engine against the faults a desktop app meets: huge fields, a FIFO or an unreadable input,
names too long, full disks during each format's conversion (a real tmpfs when running as root,
fault injection otherwise), an input replaced between stop and resume, and repeated runs that
must give the same bytes."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from normdesk.engine import Checkpoint, ColumnPlan, ColumnType, InputError, OutputError, Plan, open_source, run_file
from normdesk.engine.pipeline import INPUT_CHANGED
from normdesk.engine.writer import PART_SUFFIX, TEMP_DIR_SUFFIX, finalize

FORMATS = ["csv", "xlsx", "json", "parquet"]


def contacts(path: Path, rows: int, seed: str = "a") -> Path:
    lines = ["Name,Email,Notes"] + [f"Person{seed}{i} Smith,p{seed}{i}@example.com,note {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plan(**options) -> Plan:
    return Plan(columns={"Name": ColumnPlan(ColumnType.NAME), "Email": ColumnPlan(ColumnType.EMAIL),
                         "Notes": ColumnPlan(ColumnType.UNKNOWN)}).with_options(**options)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if PART_SUFFIX in p.name or TEMP_DIR_SUFFIX in p.name)


# -- reader: big fields ----------------------------------------------------------------------------
def test_a_5_mb_unquoted_field_is_read(tmp_path):
    notes = "n" * 5_000_000
    src = tmp_path / "big.csv"
    src.write_text(f"Name,Notes\nJane Doe,{notes}\nJohn Roe,short\n", encoding="utf-8")
    with open_source(src) as source:
        frame = next(source.chunks())
    assert frame["Notes"].to_list() == [notes, "short"]
    report = run_file(src, tmp_path / "out.csv", Plan(columns={"Name": ColumnPlan(ColumnType.NAME)}), workers=0)
    assert report.total_rows == 2
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count(notes) == 1


def test_a_70_mb_field_is_one_line_naming_the_limit_and_the_line(tmp_path):
    src = tmp_path / "huge.csv"
    with open(src, "wb") as f:
        f.write(b"Name,Notes\nJane Doe,ok\nJohn Roe,")
        f.write(b"x" * (70 << 20))
        f.write(b"\n")
    with open_source(src) as source, pytest.raises(InputError) as info:
        list(source.chunks())
    assert str(info.value) == "field over 64 MiB at line 3"
    assert "quote" not in str(info.value)


# -- only regular files, permanent errors -----------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_input_is_refused_at_once_by_normdesk_run(tmp_path):
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    env = dict(os.environ, NORMDESK_HOME=str(tmp_path / "home"))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "normdesk", "run", str(fifo), "-o", str(tmp_path / "out.csv")],
                          capture_output=True, text=True, timeout=60, env=env)
    assert time.monotonic() - started < 30, "the run must not wait for a writer on the FIFO"
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == f"normdesk: {fifo}: not a regular file (a FIFO)"
    assert not (tmp_path / "out.csv").exists()


def test_a_socket_input_is_refused(tmp_path):
    import socket

    path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(InputError, match=r"not a regular file \(a socket\)$"):
            open_source(path)
    finally:
        sock.close()


def test_a_device_input_is_refused():
    with pytest.raises(InputError, match=r"^/dev/null: not a regular file \(a device\)$"):
        open_source("/dev/null")


def test_permanent_errors_are_input_errors(tmp_path):
    long_name = tmp_path / ("c" * 300 + ".csv")
    with pytest.raises(InputError, match=r"^file name too long: c+\.\.\.$"):
        run_file(long_name, tmp_path / "out.csv", plan(), workers=0)
    # an input name that fits, whose part file (".<output>.<8 hex>.normdesk-part") cannot
    src = contacts(tmp_path / ("d" * 229 + ".csv"), 3)
    with pytest.raises(InputError, match="^output file name too long: "):
        run_file(src, tmp_path / ("d" * 229 + ".normalized.csv"), plan(), workers=0)
    assert leftovers(tmp_path) == []


def test_an_unreadable_input_is_a_permanent_error_of_normdesk_run(tmp_path):
    locked = contacts(tmp_path / "locked.csv", 3)
    locked.chmod(0)
    command = [sys.executable, "-m", "normdesk", "run", str(locked), "-o", str(tmp_path / "out.csv")]
    if os.geteuid() == 0:  # root reads anything: run without the capabilities that let it
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv")
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, NORMDESK_HOME=str(tmp_path / "home")))
    assert (proc.returncode, proc.stderr) == (2, f"normdesk: {locked}: permission denied\n")


def test_disk_full_stays_a_retryable_output_error(tmp_path, monkeypatch):
    src = contacts(tmp_path / "in.csv", 5)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match=r"^disk full while writing .*\.normdesk-part$"):
        run_file(src, tmp_path / "out.csv", plan(), workers=0)
    assert leftovers(tmp_path) == []


# -- conversions: temporary files and their failures -------------------------------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "json", "parquet"])
def test_conversion_on_a_full_disk_leaves_nothing(tmp_path, fmt):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real tmpfs needs root (see the fault-injection test below)")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        src = contacts(tmp_path / "in.csv", 2000)  # a part file of ~100 KB: fits

        def fill_the_disk(_checkpoint):  # after the last chunk, before the conversion
            with open(disk / "filler", "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass

        with pytest.raises(OutputError) as info:
            run_file(src, disk / f"out.{fmt}", plan(output_format=fmt), workers=0, chunk_rows=100_000,
                     on_checkpoint=fill_the_disk)
        assert str(info.value) == f"disk full while writing {disk / f'out.{fmt}'}"
        assert sorted(os.listdir(disk)) == ["filler"], "the part file and every temporary file are gone"
        (disk / "filler").unlink()
        run_file(src, disk / f"out.{fmt}", plan(output_format=fmt), workers=0)  # space is back: it works
        assert sorted(os.listdir(disk)) == [f"out.{fmt}"]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("fmt", ["xlsx", "json", "parquet"])
@pytest.mark.parametrize("code, message", [(errno.ENOSPC, "disk full while writing"),
                                           (errno.EACCES, "cannot write")])
def test_conversion_errors_by_fault_injection(tmp_path, monkeypatch, fmt, code, message):
    """Without root: the last write of each conversion fails (os.replace of the finished file)."""
    src = contacts(tmp_path / "in.csv", 50)
    real_replace = os.replace

    def failing_replace(a, b):
        if str(a).endswith(".final" + PART_SUFFIX):
            raise OSError(code, os.strerror(code))
        return real_replace(a, b)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match=f"^{message} ") as info:
        run_file(src, tmp_path / f"out.{fmt}", plan(output_format=fmt), workers=0)
    assert "\n" not in str(info.value)
    assert leftovers(tmp_path) == [] and not (tmp_path / f"out.{fmt}").exists()


def test_polars_conversion_error_is_one_line(tmp_path, monkeypatch):
    src = contacts(tmp_path / "in.csv", 50)

    def failing_sink(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half")
        raise pl.exceptions.ComputeError("failed to write: No space left on device (os error 28)")

    monkeypatch.setattr(pl.LazyFrame, "sink_ndjson", failing_sink)
    with pytest.raises(OutputError, match=r"^disk full while writing .*out\.json$"):
        run_file(src, tmp_path / "out.json", plan(output_format="json"), workers=0)
    assert leftovers(tmp_path) == []


def test_xlsx_temporary_files_stay_in_the_output_folder(tmp_path, monkeypatch):
    """xlsxwriter's temporary sheet goes to a folder of ours beside the output, never /tmp; a folder
    a killed run left for the same output is removed by the next conversion."""
    import tempfile

    import xlsxwriter.worksheet

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    stale = tmp_path / f".out.xlsx.0123abcd{TEMP_DIR_SUFFIX}"
    stale.mkdir()
    (stale / "tmpold").write_text("left by a kill")
    other = tmp_path / f".other.xlsx.0123abcd{TEMP_DIR_SUFFIX}"
    other.mkdir()
    seen = []
    real_mkstemp = tempfile.mkstemp

    def spy(*args, **kwargs):
        seen.append(kwargs.get("dir"))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(xlsxwriter.worksheet.tempfile, "mkstemp", spy)
    run_file(contacts(tmp_path / "in.csv", 20), tmp_path / "out.xlsx", plan(output_format="xlsx"), workers=0)
    assert seen and all(Path(d).parent == tmp_path and d.endswith(TEMP_DIR_SUFFIX) for d in seen)
    assert list(system_tmp.iterdir()) == []
    assert not stale.exists() and other.exists(), "only the same output's leftovers are removed"
    assert leftovers(tmp_path) == [other.name]


def test_json_conversion_files_match_the_sweep_pattern(tmp_path, monkeypatch):
    """Every temporary file of a conversion is `.<output name>.<8 hex>[.final].normdesk-part`."""
    from normdesk.engine import writer

    made = []
    real = writer.new_part_path

    def record(output, final=False):
        made.append(real(output, final))
        return made[-1]

    monkeypatch.setattr(writer, "new_part_path", record)
    run_file(contacts(tmp_path / "in.csv", 20), tmp_path / "out.json", plan(output_format="json"), workers=0)
    assert len(made) == 2
    for path in made:
        stem = path.name[1:].removesuffix(PART_SUFFIX).removesuffix(".final")
        assert path.parent == tmp_path and stem.rpartition(".")[0] == "out.json"


# -- checkpoints belong to one input -----------------------------------------------------------------
class Crash(Exception):
    pass


def crash_after(n: int, seen: list[Checkpoint]):
    def on_checkpoint(cp: Checkpoint) -> None:
        seen.append(cp)
        if len(seen) == n:
            raise Crash

    return on_checkpoint


@pytest.mark.parametrize("change", ["other rows", "same size, mtime kept"])
def test_resume_on_a_replaced_input_starts_over(tmp_path, caplog, change):
    src = contacts(tmp_path / "in.csv", 700, seed="a")
    seen: list[Checkpoint] = []
    with pytest.raises(Crash):
        run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100, on_checkpoint=crash_after(4, seen))
    last = Checkpoint.from_dict(json.loads(json.dumps(seen[-1].to_dict())))
    old_part = Path(last.part_path)
    assert old_part.exists() and last.rows_done == 400 and last.input_fingerprint
    before = src.stat()
    if change == "other rows":
        contacts(src, 600, seed="b")
    else:  # same size and modification time: only the fingerprint tells
        contacts(src, 700, seed="c")
        os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert src.stat().st_size == before.st_size
    clean = run_file(src, tmp_path / "clean.csv", plan(), workers=0, chunk_rows=100)
    with caplog.at_level("WARNING", logger="normdesk.engine.pipeline"):
        report = run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100, checkpoint=last)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "clean.csv").read_bytes()
    assert report.input_changed and not clean.input_changed
    assert report.total_rows == clean.total_rows
    assert any(INPUT_CHANGED in r.getMessage() for r in caplog.records)
    assert not old_part.exists() and leftovers(tmp_path) == []


def test_resume_on_the_same_input_continues(tmp_path):
    src = contacts(tmp_path / "in.csv", 700)
    seen: list[Checkpoint] = []
    with pytest.raises(Crash):
        run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100, on_checkpoint=crash_after(4, seen))
    after: list[Checkpoint] = []
    report = run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100, checkpoint=seen[-1],
                      on_checkpoint=after.append)
    assert not report.input_changed and after[0].rows_done == 500, "resumed after row 400"
    run_file(src, tmp_path / "clean.csv", plan(), workers=0, chunk_rows=100)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "clean.csv").read_bytes()


def test_a_checkpoint_without_an_input_identity_is_not_resumed(tmp_path):
    src = contacts(tmp_path / "in.csv", 300)
    seen: list[Checkpoint] = []
    with pytest.raises(Crash):
        run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100, on_checkpoint=crash_after(2, seen))
    old = {k: v for k, v in seen[-1].to_dict().items() if not k.startswith("input_")}  # an older normdesk's
    report = run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=100,
                      checkpoint=Checkpoint.from_dict(old))
    assert report.input_changed and report.total_rows == 300


# -- reproducible outputs -----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_two_runs_give_identical_bytes(tmp_path, fmt):
    src = contacts(tmp_path / "in.csv", 200)
    run_file(src, tmp_path / f"one.{fmt}", plan(output_format=fmt), workers=0)
    if fmt == "xlsx":
        time.sleep(1.1)  # its metadata's clock ticks in seconds
    run_file(src, tmp_path / f"two.{fmt}", plan(output_format=fmt), workers=0)
    assert (tmp_path / f"one.{fmt}").read_bytes() == (tmp_path / f"two.{fmt}").read_bytes()
    if fmt == "xlsx":
        import zipfile

        core = zipfile.ZipFile(tmp_path / "one.xlsx").read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core


# -- kills during a conversion --------------------------------------------------------------------------
KILL_DURING = {  # a process that SIGKILLs itself in the middle of a conversion, its temporary files on disk
    "json": "import polars as pl\n"
            "real = pl.LazyFrame.sink_ndjson\n"
            "def sink(self, path, *a, **k):\n"
            "    real(self, path, *a, **k)\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "pl.LazyFrame.sink_ndjson = sink\n",
    "xlsx": "import xlsxwriter\n"
            "def close(self):\n"
            "    for sheet in self.worksheets():\n"
            "        sheet.row_data_fh.flush()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "xlsxwriter.Workbook.close = close\n",
}


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_a_kill_during_conversion_leaves_only_what_the_sweeps_remove(tmp_path, fmt, monkeypatch):
    from normdesk.jobs import JobQueue
    from normdesk.jobs.dispatch import sweep_part_files

    src = contacts(tmp_path / "in.csv", 500)
    out = tmp_path / f"out.{fmt}"
    script = ("import os, signal, sys\n" + KILL_DURING[fmt]
              + "from normdesk.engine import ColumnPlan, ColumnType, Plan, run_file\n"
              + f"plan = Plan(columns={{'Name': ColumnPlan(ColumnType.NAME)}}, output_format={fmt!r})\n"
              + "run_file(sys.argv[1], sys.argv[2], plan, workers=0)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(src), str(out)], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    left = leftovers(tmp_path)
    assert left and not out.exists()
    if fmt == "xlsx":  # xlsxwriter's temporary sheet is in our folder beside the output, not in /tmp
        (folder,) = [tmp_path / name for name in left if name.endswith(TEMP_DIR_SUFFIX)]
        assert any(folder.iterdir())
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    queue = JobQueue()
    try:
        queue.submit(src, out, plan(output_format=fmt))
        removed = sweep_part_files(queue)
    finally:
        queue.close()
    assert sorted(p.name for p in removed) == sorted(left)  # part files and xlsxwriter's folder alike
    assert leftovers(tmp_path) == []
    run_file(src, out, plan(output_format=fmt), workers=0)
    assert leftovers(tmp_path) == [] and out.exists()
