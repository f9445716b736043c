"""``normdesk --self-test``: check, headless, what a broken build breaks.

One line per check (``ok   polars: ...``, ``warn keyring: ...`` or ``FAIL store: ...``); exit
status 1 when a check of what the main job needs failed. S3 is optional: a failure of its checks
(keyring, s3 client) is a warning, and a machine without a keyring backend says so in one line. Every check works in a temporary folder (the data folder is not touched):

- resources       the bundled sample file and app icon are there
- normalizers     the four types on known values (phonenumbers' lazily loaded region data,
                  usaddress's model file, nameparser, email-validator)
- polars          CSV and Parquet written and read back
- store           the job queue's diskcache store (SQLite): submit, close, reopen, read back
- keyring         the active backend stores and returns a secret; a warning without a usable
                  backend (CI sets PYTHON_KEYRING_BACKEND to a file backend in a temp folder)
- s3 client       boto3 builds an S3 client and signs a URL (bundled models; no network)
- worker process  detect and normalize a tiny file in one spawned worker process, to .xlsx,
                  then read it back (freeze_support, fastexcel, xlsxwriter, detection data)
- qt              a QApplication on the offscreen platform, the GUI modules, a rendered widget
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

from normdesk.resources import icon_file, resources_dir

SELFTEST_SERVICE = "normdesk-selftest"
OPTIONAL = frozenset({"keyring", "s3 client"})  # S3 only: their failures are warnings


class Unavailable(Exception):
    """An optional part cannot work on this machine; the message says so in full."""


def check_resources(tmp: Path) -> str:
    folder = resources_dir()
    missing = [name for name in ("sample_contacts.csv", "icons/normdesk.png") if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"missing in {folder}: {', '.join(missing)}")
    return str(folder)


# (type, input, expected normalized value or None to skip, expected components, expected outcome)
NORMALIZER_CASES = [
    ("name", "SMITH, Jane", None, {"first": "Jane", "last": "Smith"}, "CHANGED"),
    ("name", "dr. john q. public", None, {"first": "John", "middle": "Q.", "last": "Public"}, "CHANGED"),
    ("email", " Jane.Doe@Example.COM ", "jane.doe@example.com", {}, "CHANGED"),
    ("email", "jane.doe@", None, {}, "INVALID"),
    ("phone", "(415) 555-0100 x12", "+14155550100", {"ext": "12"}, "CHANGED"),
    ("phone", "+44 20 7946 0958", "+442079460958", {}, "CHANGED"),
    ("phone", "030 901820", "+4930901820", {}, "CHANGED"),  # default country DE below
    ("phone", "12", None, {}, "INVALID"),
    ("address", "123 main street apt 4, springfield, il 62704", "123 Main St Apt 4, Springfield, IL 62704",
     {"line1": "123 Main St", "line2": "Apt 4", "city": "Springfield", "state": "IL", "zip": "62704"}, "CHANGED"),
]


def check_normalizers(tmp: Path) -> str:
    import polars as pl

    from normdesk.engine.normalize import NormalizeOptions, make_normalizer
    from normdesk.engine.types import ColumnType, Outcome

    wrong = []
    for kind, text, value, parts, outcome in NORMALIZER_CASES:
        country = "DE" if text.startswith("030") else "US"
        row = make_normalizer(ColumnType(kind), NormalizeOptions(country=country)).normalize(pl.Series([text])).row(
            0, named=True
        )
        expected = {"outcome": Outcome[outcome].value, **parts, **({"value": value} if value else {})}
        got = {key: row.get(key) for key in expected}
        if got != expected:
            wrong.append(f"{kind} {text!r}: got {got}, expected {expected}")
    if wrong:
        raise AssertionError("; ".join(wrong))
    return f"{len(NORMALIZER_CASES)} values"


def check_polars(tmp: Path) -> str:
    import polars as pl

    frame = pl.DataFrame({"name": ["Zoë Ångström", "李小龍", ""], "n": [1, 2, None]})
    frame.write_csv(tmp / "t.csv")
    frame.write_parquet(tmp / "t.parquet")
    back_csv = pl.read_csv(tmp / "t.csv", schema=frame.schema)
    back_parquet = pl.read_parquet(tmp / "t.parquet")
    if not (back_parquet.equals(frame) and back_csv["name"].fill_null("").equals(frame["name"])):
        raise AssertionError("a frame read back differs from the one written")
    return f"polars {pl.__version__}"


def check_store(tmp: Path) -> str:
    from normdesk.jobs import JobQueue

    source = tmp / "store.csv"
    source.write_text("Email\njane@example.com\n", encoding="utf-8")
    queue = JobQueue(home=tmp / "home")
    job = queue.submit(source)
    queue.close()
    queue = JobQueue(home=tmp / "home")
    try:
        back = queue.get(job.id)
        if back is None or back.input_path != job.input_path:
            raise AssertionError(f"job {job.id} did not survive closing and reopening the store")
        return f"diskcache {__import__('diskcache').__version__}"
    finally:
        queue.close()


def check_keyring(tmp: Path) -> str:
    import keyring

    from normdesk.sync.secrets import NO_KEYRING_MESSAGE, keyring_available

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if not keyring_available():
        raise Unavailable(NO_KEYRING_MESSAGE)
    token = os.urandom(8).hex()
    keyring.set_password(SELFTEST_SERVICE, "probe", token)
    try:
        if keyring.get_password(SELFTEST_SERVICE, "probe") != token:
            raise AssertionError(f"{name} returned another secret than the one stored")
    finally:
        keyring.delete_password(SELFTEST_SERVICE, "probe")
    return name


def check_s3_client(tmp: Path) -> str:
    import boto3

    session = boto3.session.Session(aws_access_key_id="selftest", aws_secret_access_key="selftest",
                                    region_name="us-east-1")
    url = session.client("s3").generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"},
                                                      ExpiresIn=60)
    if "X-Amz-Signature=" not in url and "Signature=" not in url:
        raise AssertionError(f"unsigned URL: {url}")
    return f"boto3 {boto3.__version__}"


WORKER_INPUT = (
    "Full Name,Email,Phone,Address\n"
    "\"SMITH, Jane\",Jane@Example.com,(415) 555-0100,\"123 main street, springfield, il 62704\"\n"
    "john public,john@example.org,415.555.0101,\"9 elm ave apt 2, boston, ma 02118\"\n"
)


def check_worker(tmp: Path) -> str:
    from normdesk.engine import detect_file, open_source, plan_from_detection, run_file

    source, output = tmp / "worker.csv", tmp / "worker.xlsx"
    source.write_text(WORKER_INPUT, encoding="utf-8")
    plan = plan_from_detection(detect_file(source), output_format="xlsx")
    types = {name: col.type.value for name, col in plan.columns.items()}
    if types != {"Full Name": "name", "Email": "email", "Phone": "phone", "Address": "address"}:
        raise AssertionError(f"detected {types}")
    report = run_file(source, output, plan, workers=1)
    with open_source(output) as result:
        phones = result.sample(10)["Phone"].to_list()
    if phones != ["+14155550100", "+14155550101"]:
        raise AssertionError(f"the worker wrote {phones}")
    return f"{report.total_rows} rows in 1 worker process"


def check_qt(tmp: Path) -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QLabel

    import normdesk.gui.app  # noqa: F401  (the window's modules, and all they import, are bundled)

    app = QApplication.instance() or QApplication(["normdesk", "-platform", "offscreen"])
    icon = QIcon(str(icon_file()))
    if icon.isNull():
        raise AssertionError("the app icon does not load (image format plugins missing?)")
    label = QLabel("normdesk self-test")
    label.resize(240, 40)
    if label.grab().toImage().isNull():
        raise AssertionError("a widget does not render")
    return f"PySide6 {pyside_version}, platform {app.platformName()}"


CHECKS: dict[str, Callable[[Path], str]] = {
    "resources": check_resources,
    "normalizers": check_normalizers,
    "polars": check_polars,
    "store": check_store,
    "keyring": check_keyring,
    "s3 client": check_s3_client,
    "worker process": check_worker,
    "qt": check_qt,
}


def run_checks(names: Sequence[str]) -> list[tuple[str, str, str]]:
    """(name, "ok" | "warn" | "FAIL", detail) for each check, each in its own temporary folder."""
    results = []
    with tempfile.TemporaryDirectory(prefix="normdesk-selftest-") as tmp:
        for name in names:
            folder = Path(tmp) / name.replace(" ", "_")
            folder.mkdir()
            began = time.monotonic()
            try:
                detail = CHECKS[name](folder)
                results.append((name, "ok", f"{detail} ({time.monotonic() - began:.1f} s)"))
            except Unavailable as err:
                results.append((name, "warn", str(err)))
            except Exception as err:  # a self-test reports every failure and goes on
                message = str(err).strip().splitlines()[0] if str(err).strip() else ""
                detail = f"{type(err).__name__}: {message}" if message else type(err).__name__
                results.append((name, "warn" if name in OPTIONAL else "FAIL", detail))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="normdesk --self-test", description="Check this installation, headless.")
    parser.add_argument("--only", action="append", choices=list(CHECKS), metavar="CHECK",
                        help=f"run only this check (repeatable): {', '.join(CHECKS)}")
    args = parser.parse_args(list(argv or []))
    started = time.monotonic()
    results = run_checks(args.only or list(CHECKS))
    for name, status, detail in results:
        print(f"{status:<4} {name}" + (f": {detail}" if detail else ""), flush=True)
    failed = sum(status == "FAIL" for _, status, _ in results)
    warned = sum(status == "warn" for _, status, _ in results)
    ok = len(results) - failed - warned
    elapsed = time.monotonic() - started
    print(f"self-test {'passed' if not failed else 'FAILED'}: {ok} of {len(results)} checks ok"
          + (f", {warned} warning{'s' if warned > 1 else ''}" if warned else "") + f" in {elapsed:.1f} s")
    return 1 if failed else 0
