"""The "dedupe" job: find the same person across one or several files (``normdesk.match``), queued,
run, retried and cancelled like any job.

    config["dedupe"]          inputs, threshold, merged, match, against, plan, output_format
    extra["dedupe_decisions"] the user's confirm / split verdicts (``match.Decisions``), applied at
                              every run and every re-clustering
    <data folder>/dedupe/<id> the rows and every scored pair of the last run (the window re-clusters
                              from them without Splink); removed with the job
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from normdesk.engine.errors import InputError
from normdesk.engine.plan import Plan
from normdesk.engine.progress import Progress
from normdesk.jobs.events import EventKind, JobEvent
from normdesk.jobs.model import DEDUPE, Job
from normdesk.jobs.queue import JobQueue, checked_input, checked_output

DECISIONS = "dedupe_decisions"


def artifacts_dir(home: Path, job_id: str) -> Path:
    return Path(home) / "dedupe" / job_id


def submit_dedupe(
    queue: JobQueue, inputs: list[str | Path], output: str | Path, *, threshold: float | None = None,
    merged: str | Path | None = None, match: list[str] | None = None, against: str | Path | None = None,
    plan: Plan | None = None, output_format: str = "csv", decisions: dict | None = None,
) -> Job:
    """Queue a dedupe of ``inputs`` into ``output`` (the threshold: the match_threshold setting)."""
    from normdesk import settings

    if not inputs:
        raise InputError("dedupe needs at least one file")
    sources = [checked_input(p) for p in inputs]
    base = checked_input(against) if against else None
    known = sources + ([base] if base else [])
    target = checked_output(output, known)
    golden = checked_output(merged, known + [target]) if merged else None
    threshold = threshold if threshold is not None else settings.load().match_threshold
    if not 0.0 < threshold < 1.0:
        raise InputError(f"the threshold is a probability between 0 and 1, not {threshold}")
    config = {DEDUPE: {
        "inputs": [str(p) for p in sources], "threshold": threshold, "merged": str(golden) if golden else None,
        "match": list(match) if match else None, "against": str(base) if base else None,
        "plan": plan.to_dict() if plan else None, "output_format": output_format,
    }}
    return queue.submit_job(DEDUPE, sources[0], target, config, extra={DECISIONS: decisions} if decisions else None)


def rerun_dedupe(queue: JobQueue, job: Job, threshold: float | None = None) -> Job:
    """Queue ``job``'s dedupe again (at ``threshold``, default its own), with its decisions."""
    cfg = job.config[DEDUPE]
    return submit_dedupe(
        queue, cfg["inputs"], job.output_path, threshold=threshold or cfg["threshold"], merged=cfg["merged"],
        match=cfg["match"], against=cfg["against"], plan=Plan.from_dict(cfg["plan"]) if cfg["plan"] else None,
        output_format=cfg["output_format"], decisions=job.extra.get(DECISIONS),
    )


def run_dedupe(queue: JobQueue, job: Job, progress: Progress) -> dict:
    """Run the job's dedupe; returns its report (rows, clusters, pairs compared, threshold...)."""
    try:
        from normdesk.match import Decisions, dedupe
    except ImportError as err:  # the optional extra is missing: retrying cannot help
        raise InputError(f"dedupe needs the match extra (pip install 'normdesk[match]'): {err}") from None
    cfg = job.config[DEDUPE]
    report = dedupe(
        cfg["inputs"], job.output_path, plan=Plan.from_dict(cfg["plan"]) if cfg["plan"] else None,
        threshold=cfg["threshold"], merged=cfg["merged"], match=cfg["match"], against=cfg["against"],
        output_format=cfg["output_format"], progress=progress,
        decisions=Decisions.from_dict(job.extra.get(DECISIONS)), keep=artifacts_dir(queue.home, job.id),
    )
    return report.to_dict()


@dataclass(frozen=True)
class _RemoveArtifacts:
    home: Path

    def __call__(self, event: JobEvent) -> None:
        if event.job.type == DEDUPE:
            shutil.rmtree(artifacts_dir(self.home, event.job.id), ignore_errors=True)


def remove_artifacts_with_jobs(queue: JobQueue) -> None:
    """Delete a dedupe job's kept rows and pairs when the job is removed (by hand or by retention);
    subscribed once per queue."""
    subscriber = _RemoveArtifacts(Path(queue.home))
    if not queue.events.subscribed(subscriber):
        queue.events.subscribe(subscriber, {EventKind.REMOVED})
