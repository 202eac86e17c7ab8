"""The interface each simulated forge implements (its formats for auth, errors and limits)."""

from __future__ import annotations

import hashlib
import zlib
from typing import TYPE_CHECKING

from forgesim.routing import Request, Response, Router

if TYPE_CHECKING:
    from forgesim.limits import Budget
    from forgesim.model import SimUser


class Face:
    """Base of the GitHub, Gitee and GitLab faces."""

    platform = ""
    prefix = ""
    limit_headers_on_5xx = True  # False where 5xx come from a proxy that knows nothing of the app's limits

    def register(self, router: Router) -> None:
        """Add this face's routes."""
        raise NotImplementedError

    def extract_token(self, req: Request) -> str | None:
        """The credential the client sent, if any."""
        raise NotImplementedError

    def error(self, status: int, message: str | None = None) -> Response:
        """An error body in the forge's format."""
        raise NotImplementedError

    def unauthorized(self, req: Request) -> Response:
        """Answer to an unknown token."""
        return self.error(401)

    def not_found(self, req: Request) -> Response:
        """Answer to an unknown path."""
        return self.error(404)

    def rate_limited(self, req: Request, budget: Budget, now: float, *, secondary: bool = False,
                     retry_after: int | None = None) -> Response:
        """Answer when the budget is exhausted."""
        raise NotImplementedError

    def limit_headers(self, budget: Budget, resource: str, now: float) -> dict[str, str]:
        """Rate-limit headers on every API answer (empty if the forge sends none)."""
        return {}

    def malformed(self) -> Response:
        """A 200 whose body is cut off mid-JSON (a proxy that dropped the connection)."""
        return Response(200, b'[{"id": 1, "number": 1, "title": "trunc', content_type="application/json")


def stable_int(*parts: object, mod: int = 2**31) -> int:
    """A deterministic integer from any values (label ids, fake counts)."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode()) % mod


def fake_sha(*parts: object) -> str:
    """A deterministic 40-hex SHA for values we do not store (base commits)."""
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()


def require_user(req: Request, face: Face) -> SimUser:
    """The token's user, or the forge's 401."""
    from forgesim.routing import HttpError

    if req.user is None:
        resp = face.unauthorized(req)
        raise HttpError(resp.status, resp.body, resp.headers)
    return req.user
