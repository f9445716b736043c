"""Run ``ChunkTransform`` over chunks on a Dask ``distributed`` cluster instead of local processes.

``ClusterRunner`` has the interface of ``parallel.ChunkRunner``: ``map(chunks)`` yields each chunk's
result in input order, ``close()`` cancels whatever is still in flight. The client reads the file,
ships each chunk (a text DataFrame, pickled) with the plan, and writes the results as a local run
does, so the output and the report are byte for byte the same.

- Connecting is checked at once: an unreachable scheduler, a cluster without workers, or workers
  whose normdesk / polars / phonenumbers... versions differ from this process's raise a one-line
  ``ClusterError`` before anything is written. Never a silent local run.
- At most ``2 x worker threads`` chunks are in flight: memory stays flat with file size.
- Workers build a plan's normalizers once and keep them (and their caches) across chunks and
  jobs: a per-thread cache keyed by the plan's digest, so a worker that joins later builds its own.
- A worker lost mid-job costs nothing but time: the transform is pure, the scheduler still holds
  each chunk it has not finished, and it runs them again elsewhere.

An ``s3://`` input or output is read and written by the workers themselves: ``normdesk.sync.cluster_s3``
(S3 needs boto3, which the engine does not import) drives this runner's ``run_tasks`` for that.

``distributed`` is an optional dependency (``pip install normdesk[cluster]``), imported only here.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import uuid
from collections import OrderedDict, deque
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Callable, Iterable, Iterator

import polars as pl

from normdesk.engine.errors import NormdeskError
from normdesk.engine.parallel import Result, in_order
from normdesk.engine.plan import Plan
from normdesk.engine.transform import ChunkTransform

CONNECT_TIMEOUT_S = 5.0
WORKERS_TIMEOUT_S = 10.0  # a scheduler with no worker after this long is an error, not a wait
KEY_PREFIX = "normdesk-chunk"
# What a worker must have at this process's version: the engine's own code and every library whose
# answer lands in the output (a different phonenumbers can format a number differently), plus what
# ships the chunks and the functions.
MATCHED_PACKAGES = (
    "normdesk", "polars", "phonenumbers", "email-validator", "nameparser", "usaddress",
    "distributed", "cloudpickle",
)
MAX_CACHED_PLANS = 4  # per worker thread

_local = threading.local()


class ClusterError(NormdeskError):
    """The cluster cannot run this job (unreachable, no workers, other versions, lost); one line."""


def package_versions() -> dict[str, str]:
    """Python's major.minor and the versions of ``MATCHED_PACKAGES`` in this process."""
    found = {"python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for name in MATCHED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def version_mismatches(here: dict[str, str], workers: dict[str, dict[str, str]]) -> list[str]:
    """``"tcp://10.0.0.5:4001 has polars 1.2.0 (here 1.3.1)"`` for each differing package."""
    return [
        f"{address} has {name} {theirs.get(name, 'missing')} (here {mine})"
        for address, theirs in sorted(workers.items())
        for name, mine in here.items()
        if theirs.get(name, "missing") != mine
    ]


def plan_spec(plan: Plan, columns: list[str], header: list[str], profile: bool = True) -> tuple[str, dict[str, Any]]:
    """What a worker needs to build the transform, and its digest (the workers' cache key)."""
    spec = {"plan": plan.to_dict(), "columns": columns, "header": header, "profile": profile}
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return digest, spec


def worker_transform(digest: str, spec: dict[str, Any]) -> ChunkTransform:
    """This worker thread's transform for a plan, built on first use and kept (LRU)."""
    cache: OrderedDict[str, ChunkTransform] = _local.__dict__.setdefault("transforms", OrderedDict())
    transform = cache.get(digest)
    if transform is None:
        transform = ChunkTransform(Plan.from_dict(spec["plan"]), spec["columns"], spec["header"], spec["profile"])
        cache[digest] = transform
        while len(cache) > MAX_CACHED_PLANS:
            cache.popitem(last=False)
    cache.move_to_end(digest)
    return transform


def run_chunk(digest: str, spec: dict[str, Any], chunk: pl.DataFrame, first_row: int) -> Result:
    """The task a worker runs: one chunk through the plan's (cached) transform."""
    return worker_transform(digest, spec)(chunk, first_row)


def cached_plans() -> list[str]:
    """The plan digests this worker thread holds a transform for (for tests and diagnostics)."""
    return list(_local.__dict__.get("transforms", ()))


def connect(address: str, timeout: float | None = None) -> Any:
    """A ``distributed.Client`` on ``address`` with at least one worker whose versions match ours."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("running on a cluster needs the cluster extra: pip install 'normdesk[cluster]'") from None
    try:
        client = Client(address, timeout=timeout or CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(f"cannot reach the cluster scheduler at {address} ({_one_line(err)})") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        here = package_versions()
        try:
            theirs = client.run(package_versions)
        except Exception as err:  # a worker without normdesk cannot even unpickle the function
            raise ClusterError(
                f"a worker of {address} cannot run normdesk ({_one_line(err)}): "
                "install normdesk[cluster] at this version on every worker"
            ) from None
        wrong = version_mismatches(here, theirs)
        scheduler = client.get_versions()["scheduler"]["packages"].get("distributed") or "missing"
        if scheduler != here["distributed"]:
            wrong.insert(0, f"the scheduler has distributed {scheduler} (here {here['distributed']})")
        if wrong:
            more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
            raise ClusterError(f"cluster version mismatch: {'; '.join(wrong[:3])}{more}")
    except TimeoutError:
        client.close()
        raise ClusterError(f"the cluster at {address} has no worker (none joined in {WORKERS_TIMEOUT_S:.0f} s)") from None
    except BaseException:
        client.close()
        raise
    return client


class ClusterRunner:
    """``map(chunks)`` yields each chunk's result in input order, computed on the cluster."""

    def __init__(self, address: str, plan: Plan, columns: list[str], header: list[str],
                 in_flight: int | None = None, profile: bool = True) -> None:
        self.address = address
        self.client = connect(address)
        self.digest, self.spec = plan_spec(plan, columns, header, profile)
        threads = sum(self.client.nthreads().values())
        self.in_flight = in_flight or max(2, 2 * threads)
        self.run_id = uuid.uuid4().hex[:12]
        self._pending: deque[Any] = deque()

    def map(self, chunks: Iterable[tuple[pl.DataFrame, int]]) -> Iterator[Result]:
        return self.run_tasks(run_chunk, ((first, (chunk, first)) for chunk, first in chunks))

    def run_tasks(self, task: Callable[..., Any], calls: Iterable[tuple[int, tuple[Any, ...]]]) -> Iterator[Any]:
        """``task(digest, spec, *args)`` on the cluster for each ``(tag, args)`` (a tag unique in the
        run), the results in order, with at most ``in_flight`` submitted ahead."""
        futures = (
            self.client.submit(task, self.digest, self.spec, *args, pure=False, key=f"{KEY_PREFIX}-{self.run_id}-{tag}")
            for tag, args in calls
        )
        try:
            yield from in_order(futures, self.in_flight, self._pending)
        except ClusterError:
            raise
        except Exception as err:
            if type(err).__module__.startswith(("distributed", "concurrent", "asyncio")) or isinstance(err, OSError):
                raise ClusterError(f"the cluster at {self.address} failed the job ({_one_line(err)})") from None
            raise

    def close(self) -> None:
        """Cancel the chunks still in flight and disconnect."""
        try:
            if self._pending:
                self.client.cancel(list(self._pending), force=True)
                self._pending.clear()
        finally:
            self.client.close()


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
