"""JobQueue.restore: a removed job comes back as it was (the window's Undo), indexes and events included."""

import pytest

from normdesk.engine.errors import InputError
from normdesk.jobs import JobQueue
from normdesk.jobs.events import EventKind
from tests.queue_helpers import run_pending


@pytest.fixture
def queue(home):
    q = JobQueue()
    yield q
    q.close()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\nAda Lovelace,ada@example.com\nAlan Turing,not-an-email\n", encoding="utf-8")
    return path


def test_a_removed_completed_job_comes_back_with_its_report_and_counts(queue, csv_file):
    job = queue.submit(csv_file)
    run_pending(queue)
    done = queue.get(job.id)
    assert done.status == "completed" and queue.stats().completed == 1
    seen = []
    queue.events.subscribe(lambda e: seen.append((e.kind, e.job.id)))
    assert queue.remove(job.id)
    assert queue.get(job.id) is None and queue.stats().total == 0
    back = queue.restore(done)
    assert back == done and queue.get(job.id) == done
    assert queue.stats().completed == 1 and [j.id for j in queue.list()] == [job.id]
    assert seen == [(EventKind.REMOVED, job.id), (EventKind.RESTORED, job.id)]
    with pytest.raises(InputError, match="already"):
        queue.restore(done)


def test_a_restored_pending_job_runs_again(queue, csv_file):
    job = queue.submit(csv_file)
    queue.remove(job.id)
    assert not queue.has_pending()
    queue.restore(job)
    assert queue.has_pending() and queue.stats().pending == 1
    run_pending(queue)
    assert queue.get(job.id).status == "completed" and queue.get(job.id).valid_rows == 1


def test_a_running_job_cannot_be_restored(queue, csv_file):
    queue.submit(csv_file)
    running = queue.claim("me")
    with pytest.raises(InputError, match="running"):
        queue.restore(running)
