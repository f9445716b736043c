"""Who may call the API: ``Authorization: Bearer <key>`` checked on every request, and a brake on
repeated bad keys.

Every request reads the key store, so a key revoked or expired is refused at once by a running
server. Replies never repeat the key they were sent.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from normdesk.api.keys import ApiKey, KeyStore

BAD_KEY_LIMIT = 10  # bad keys from one address within BAD_KEY_WINDOW_S, then 429 for that long
BAD_KEY_WINDOW_S = 60.0

bearer = HTTPBearer(auto_error=False, description="an API key made with `normdesk api-key create`")


class BadKeyLimiter:
    """Counts bad keys per client address in a sliding window; over the limit, the address is
    refused (any key) until its oldest failure leaves the window."""

    def __init__(self, limit: int = BAD_KEY_LIMIT, window_s: float = BAD_KEY_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        times, horizon = self._failures[client], self.clock() - self.window_s
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def wait_s(self, client: str) -> float:
        """Seconds until ``client`` may try a key again (0: now)."""
        with self._lock:
            times = self._recent(client)
            return times[0] + self.window_s - self.clock() if len(times) >= self.limit else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())


class Guard:
    """The FastAPI dependency factory: ``Depends(guard.require("read"))``."""

    def __init__(self, keys: KeyStore, limiter: BadKeyLimiter | None = None) -> None:
        self.keys = keys
        self.limiter = limiter or BadKeyLimiter()

    def require(self, permission: str) -> Callable[..., ApiKey]:
        def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:
            client = request.client.host if request.client else "?"
            wait = self.limiter.wait_s(client)
            if wait > 0:
                raise HTTPException(429, "too many bad API keys from this address: try again later",
                                    headers={"Retry-After": str(int(wait) + 1)})
            if credentials is None:
                raise HTTPException(401, "missing API key: send the header Authorization: Bearer <key>",
                                    headers={"WWW-Authenticate": "Bearer"})
            key = self.keys.verify(credentials.credentials.strip())
            if key is None:
                self.limiter.failed(client)
                raise HTTPException(401, "the API key is not valid, has expired or was revoked",
                                    headers={"WWW-Authenticate": "Bearer"})
            if permission not in key.permissions:
                raise HTTPException(403, f"the API key {key.name!r} lacks the {permission!r} permission")
            return key

        return check

