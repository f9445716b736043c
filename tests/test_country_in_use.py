"""The file's inferred country used everywhere a plan is made: the command line, queued jobs and the
window's preview, with the user's choice winning and the user's default for files that show none."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from faker import Faker

from normdesk.engine import Plan
from normdesk.jobs import JobQueue
from normdesk.jobs.runner import resolve_plan


def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def german(tmp_path):
    """Names and German phone numbers written nationally ("0221 ..."): the data shows DE."""
    fk = Faker("de_DE")
    fk.seed_instance(4)  # (Faker's German numbers are a third invalid: some seeds give only weak evidence)
    return write_rows(tmp_path / "kunden.csv", [["Name", "Telefon"]] + [[fk.name(), fk.phone_number()] for _ in range(150)])


@pytest.fixture
def plain(tmp_path):
    """No evidence of any country: the user's default applies."""
    fk = Faker("en_US")
    fk.seed_instance(3)
    return write_rows(tmp_path / "notes.csv", [["Name", "Notes"]] + [[fk.name(), fk.sentence()] for _ in range(150)])


@pytest.fixture
def queue(home):
    q = JobQueue()
    yield q
    q.close()


def test_a_queued_job_without_a_country_takes_the_files_own(queue, german):
    assert resolve_plan(queue.submit(german)).country == "DE"
    assert resolve_plan(queue.submit(german, country="AT")).country == "AT"  # the user's choice wins
    given = Plan(country="CH")  # a plan (from the preview) says its country itself
    assert resolve_plan(queue.submit(german, plan=given)).country == "CH"


def test_a_file_without_evidence_takes_the_users_default(queue, plain, monkeypatch):
    assert resolve_plan(queue.submit(plain)).country == "US"
    monkeypatch.setenv("NORMDESK_COUNTRY", "GB")  # the settings' default country
    assert resolve_plan(queue.submit(plain)).country == "GB"


def test_a_job_queued_before_the_country_was_inferred_keeps_its_own(queue, german):
    job = queue.submit(german)
    config = {k: v for k, v in job.config.items() if k != "country_given"}
    old = queue.get(job.id).__class__(**{**{f: getattr(job, f) for f in job.__slots__}, "config": config})
    assert resolve_plan(old).country == "US"


def test_the_command_line_uses_the_default_only_without_evidence(home, tmp_path, german, plain):
    env = {"NORMDESK_HOME": str(home), "NORMDESK_COUNTRY": "FR", "PATH": ""}
    for source, expected in ((german, "DE"), (plain, "FR")):
        saved = tmp_path / f"{source.stem}.plan.json"
        done = subprocess.run([sys.executable, "-m", "normdesk", "run", str(source), "-o", str(tmp_path / "o.csv"),
                               "--save-plan", str(saved)], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(saved.read_text())["country"] == expected


def test_the_preview_shows_the_files_country_and_lets_the_user_change_it(qtbot, home, german, plain):
    from normdesk.gui.preview_dialog import PreviewDialog
    from normdesk.settings import Settings

    dialog = PreviewDialog([german, plain], Settings(country="US"))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    by_name = {p.file.path.name: p for p in dialog.previews()}
    de, other = by_name["kunden.csv"], by_name["notes.csv"]
    assert de.country_combo.country() == "DE" and de.country_note.text() == "as the data shows"
    assert "Telefon" in de.country_note.toolTip()
    assert other.country_combo.country() == "US" and other.country_note.text().startswith("your default")
    dialog.country.set_country("CA")  # the dialog's default: only the file that shows no country follows
    assert other.country_combo.country() == "CA" and de.country_combo.country() == "DE"
    de.country_combo.set_country("AT")  # as the user picks it in the tab's combo
    assert de.country_note.text() == "your choice for this file"
    plans = {src.name: plan for src, _, plan in dialog.jobs()}
    assert plans["kunden.csv"].country == "AT" and plans["notes.csv"].country == "CA"
    de.country_combo.set_country("DE")  # back to what the data shows: automatic again
    assert de.country_note.text() == "as the data shows"
    dialog.reject()
