"""The API's replies, in the original design's camelCase names (they document the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Submitted(BaseModel):
    jobId: str
    totalRows: int
    message: str


class JobOut(BaseModel):
    """``Job.to_dict()``: a queued file, its plan (config) and, once done, its report."""

    id: str
    type: str
    status: str  # pending, processing, completed, failed, cancelled
    inputPath: str
    outputPath: str
    inputKey: str | None
    outputKey: str | None
    config: dict[str, Any]
    totalRows: int | None
    processedRows: int
    validRows: int
    invalidRows: int
    errorMessage: str | None
    createdAt: float
    startedAt: float | None
    completedAt: float | None
    attempts: int
    maxAttempts: int
    nextRetryAt: float | None
    report: dict[str, Any] | None
    fraction: float  # share of the input read, 0..1
    rejects: int = 0  # malformed lines set aside in <stem>.rejects.csv beside the output
    outputStat: dict[str, Any] | None
    extra: dict[str, Any]


class StatsOut(BaseModel):
    total: int
    completed: int
    failed: int
    processing: int
    pending: int
    cancelled: int
    successRate: float  # completed among completed + failed, 0..1


JOB_EXAMPLE = {
    "id": "0641c2b9e3f1a7c3e", "type": "intelligent", "status": "completed",
    "inputPath": "/home/me/.local/share/normdesk/uploads/3f2a.../contacts.csv",
    "outputPath": "/home/me/.local/share/normdesk/outputs/3f2a.../contacts.normalized.csv",
    "inputKey": None, "outputKey": None, "config": {"country": "US", "preserve_accents": False},
    "totalRows": 1200, "processedRows": 1200, "validRows": 1150, "invalidRows": 50, "errorMessage": None,
    "createdAt": 1764590000.0, "startedAt": 1764590001.2, "completedAt": 1764590003.9,
    "attempts": 0, "maxAttempts": 3, "nextRetryAt": None, "report": {"total_rows": 1200}, "fraction": 1.0,
    "outputStat": {"size": 183220, "mtime_ns": 1764590003900000000}, "extra": {},
}
