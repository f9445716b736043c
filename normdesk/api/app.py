"""The local HTTP API over the job queue (FastAPI): ``create_app(service)``.

Paths under ``/api/v1`` (see DESIGN.md, "The service surface"); replies use the design's camelCase
names (``Job.to_dict()``). OpenAPI docs at ``/docs`` (Swagger UI) and ``/redoc``, their scripts and
styles served from ``/docs-assets`` (fastapi-offline's copy: no CDN, they work offline); the schema at
``/openapi.json``. Every path but ``/health`` needs ``Authorization: Bearer <key>`` with the right permission.
"""

from __future__ import annotations

import asyncio
import mimetypes
import shutil
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi_offline import FastAPIOffline

from normdesk import __version__
from normdesk.api.auth import Guard
from normdesk.api.keys import KeyStore
from normdesk.api.models import JOB_EXAMPLE, JobOut, StatsOut, Submitted
from normdesk.api.uploads import TooLarge, Upload, count_rows, job_plan, receive_json, receive_multipart
from normdesk.engine.errors import InputError
from normdesk.jobs.dispatch import Dispatcher
from normdesk.jobs.model import Job, JobStatus
from normdesk.jobs.queue import JobQueue, default_output_path
from normdesk.settings import Settings

PREFIX = "/api/v1"
DOCS_ASSETS = "/docs-assets"
EVENT_POLL_S = 0.5  # the events stream also looks at the job this often (changes made elsewhere)

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "the CSV or Excel file"},
            "config": {"type": "string", "description": 'JSON: {"preserveAccents": false, "defaultCountry": "US"}'},
            "plan": {"type": "string", "description": "a saved plan (normdesk run --save-plan), JSON"},
        }}},
        "application/json": {"schema": {"type": "object", "required": ["fileContent"], "properties": {
            "fileContent": {"type": "string", "description": "the file, as text"},
            "fileName": {"type": "string"},
            "config": {"type": "object", "properties": {"preserveAccents": {"type": "boolean"},
                                                        "defaultCountry": {"type": "string"}}},
            "plan": {"type": "object"},
        }}},
    },
}


@dataclass
class Service:
    """What the API runs over: the queue (the same object the worker uses, so its events reach the
    live updates), the key store, the settings and, when this process runs jobs, its dispatcher."""

    queue: JobQueue
    keys: KeyStore
    settings: Settings
    dispatcher: Dispatcher | None = None

    @property
    def uploads(self) -> Path:
        return self.queue.home.resolve() / "uploads"

    @property
    def outputs(self) -> Path:
        return self.queue.home.resolve() / "outputs"

    def job(self, job_id: str) -> Job:
        job = self.queue.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return job

    def queue_upload(self, upload: Upload) -> tuple[Job, int]:
        """Check the file as a run would, move it into place and queue it (all or nothing)."""
        output_dir = None
        try:
            plan = job_plan(upload.fields)
            total = count_rows(upload.path, plan)
            source = upload.commit(self.uploads)
            output_dir = self.outputs / upload.folder.name
            output_dir.mkdir(parents=True, exist_ok=True)
            target = output_dir / default_output_path(source, plan.output_format).name
            return self.queue.submit(source, target, plan), total
        except BaseException:
            upload.discard()
            if output_dir is not None:
                shutil.rmtree(output_dir, ignore_errors=True)
            raise

    def cancel(self, job_id: str) -> Job:
        if self.dispatcher is not None:
            return self.dispatcher.request_cancel(job_id)
        return self.queue.cancel(job_id)


def create_app(service: Service) -> FastAPI:
    app = FastAPIOffline(title="normdesk", version=__version__, static_url=DOCS_ASSETS,
                         swagger_ui_parameters={"validatorUrl": None},  # no badge from the online validator
                         description="Normalize contact files over HTTP: submit, follow, download. "
                                     "Authenticate with `Authorization: Bearer <key>` (`normdesk api-key create`).")
    app.state.service = service
    guard = Guard(service.keys)
    read, submit, manage = (Depends(guard.require(p)) for p in ("read", "submit", "manage"))
    router = APIRouter(prefix=PREFIX)

    def existing(job_id: str) -> Job:
        return service.job(job_id)

    @router.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Whether the server is up (no key needed)."""
        return {"status": "ok", "version": __version__}

    @router.post("/jobs", status_code=201, tags=["jobs"], dependencies=[submit],
                 openapi_extra={"requestBody": _UPLOAD_BODY},
                 responses={413: {"description": "over the upload limit"}, 422: {"description": "a bad file"}})
    async def submit_job(request: Request) -> Submitted:
        """Upload a file (multipart part `file`, optional `config` and `plan` parts; or JSON
        `{fileContent, fileName, config}`) and queue it."""
        limit = int(service.settings.api_max_upload_mb * (1 << 20))
        too_large = HTTPException(413, f"the upload is over the limit of {service.settings.api_max_upload_mb:g} MB "
                                       "(setting api_max_upload_mb)")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("multipart/form-data"):
                upload = await receive_multipart(request.stream(), content_type, service.uploads, limit)
            elif content_type.startswith("application/json"):
                upload = await receive_json(request.stream(), service.uploads, limit)
            else:
                raise HTTPException(415, "send multipart/form-data with a part named file, "
                                         "or JSON {fileContent, fileName, config}")
            job, total = await run_in_threadpool(service.queue_upload, upload)
        except TooLarge:
            raise too_large from None
        except InputError as err:
            raise HTTPException(422, str(err)) from None
        return Submitted(jobId=job.id, totalRows=total, message=f"queued {upload.name}: {total:,} rows")

    @router.get("/jobs", tags=["jobs"], dependencies=[read], response_model=list[JobOut])
    def list_jobs(limit: int = Query(50, ge=1, le=10_000)) -> JSONResponse:
        """The newest jobs first (sent as they are: validating 50 models per call would halve the rate)."""
        return JSONResponse([j.to_dict() for j in service.queue.list(limit, reports=True)])

    @router.get("/jobs/{job_id}", tags=["jobs"], dependencies=[read],
                responses={200: {"content": {"application/json": {"example": JOB_EXAMPLE}}}})
    def get_job(job: Job = Depends(existing)) -> JobOut:
        return JobOut(**job.to_dict())

    def action(fn: Callable[[str], Job]) -> Callable[[Job], JobOut]:
        def run(job: Job = Depends(existing)) -> JobOut:
            try:
                return JobOut(**fn(job.id).to_dict())
            except InputError as err:
                raise HTTPException(409, str(err)) from None

        return run

    router.add_api_route("/jobs/{job_id}/retry", action(service.queue.retry), methods=["POST"], tags=["jobs"],
                         dependencies=[manage], summary="Queue a failed or cancelled job again")
    router.add_api_route("/jobs/{job_id}/cancel", action(service.cancel), methods=["POST"], tags=["jobs"],
                         dependencies=[manage], summary="Cancel a pending or running job")

    @router.get("/jobs/{job_id}/events", response_class=EventSourceResponse, tags=["jobs"], dependencies=[read])
    async def job_events(job: Job = Depends(existing)) -> AsyncIterable[ServerSentEvent]:
        """Server-sent events: the job's status and progress at each change, until it ends."""
        async for event in follow(service.queue, job.id):
            yield event

    @router.get("/jobs/{job_id}/output", tags=["jobs"], dependencies=[read],
                response_class=FileResponse, responses={409: {"description": "not completed"}})
    def job_output(job: Job = Depends(existing)) -> FileResponse:
        """The normalized file, streamed."""
        if job.status is not JobStatus.COMPLETED:
            raise HTTPException(409, f"job {job.id} is {job.status.value}: there is no output yet")
        path = Path(job.output_path)
        if not path.is_file():
            raise HTTPException(410, f"the output of job {job.id} is no longer on disk")
        return FileResponse(path, filename=path.name,
                            media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    @router.get("/stats", tags=["service"], dependencies=[read])
    def stats() -> StatsOut:
        return StatsOut(**service.queue.stats().to_dict())

    app.include_router(router)
    return app


def _progress(job: Job) -> dict[str, Any]:
    return {"jobId": job.id, "status": job.status.value, "processedRows": job.processed_rows,
            "totalRows": job.total_rows, "fraction": job.fraction, "validRows": job.valid_rows,
            "invalidRows": job.invalid_rows, "errorMessage": job.error_message}


async def follow(queue: JobQueue, job_id: str) -> AsyncIterable[ServerSentEvent]:
    """One event per change of the job (``status`` when its status changed, else ``progress``),
    woken by the queue's events and, for changes made by other processes, a short poll."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    unsubscribe = queue.events.subscribe(
        lambda event: event.job.id == job_id and loop.call_soon_threadsafe(wake.set))
    try:
        last: dict | None = None
        while True:
            job = await run_in_threadpool(queue.get, job_id)
            if job is None:
                yield ServerSentEvent(event="removed", data={"jobId": job_id})
                return
            state = _progress(job)
            if state != last:
                changed = last is None or last["status"] != state["status"]
                yield ServerSentEvent(event="status" if changed else "progress", data=state)
                last = state
            if job.status.finished:
                return
            try:
                await asyncio.wait_for(wake.wait(), EVENT_POLL_S)
            except TimeoutError:
                pass
            wake.clear()
    finally:
        unsubscribe()
