"""The forges' OAuth2 authorization-code faces: an authorize page (pick a simulated user, approve or deny),
token endpoints that mint tokens through World.issue_token, for GitHub, Gitee and GitLab.

The faces' `/user` endpoints then accept those tokens like any other (GitHub `Authorization: token|Bearer`,
Gitee `access_token=`, GitLab `Authorization: Bearer` or `access_token=`). No cookies are ever set: the
simulator often shares a host with the web app under test, and cookies ignore ports.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from forgesim.routing import Request, Response, Router

CODE_TTL_SECONDS = 600  # GitHub's codes expire after ten minutes
# Per forge: authorize path, token path, display name, the scope a token reports, token lifetime.
FORGES: dict[str, dict[str, Any]] = {
    "github": {"authorize": "/github/login/oauth/authorize", "token": "/github/login/oauth/access_token",
               "name": "GitHub", "scope": "", "expires_in": None},
    "gitee": {"authorize": "/gitee/oauth/authorize", "token": "/gitee/oauth/token",
              "name": "Gitee", "scope": "user_info", "expires_in": 86400},
    "gitlab": {"authorize": "/gitlab/oauth/authorize", "token": "/gitlab/oauth/token",
               "name": "GitLab", "scope": "read_user", "expires_in": 7200},
}


@dataclass(slots=True)
class Grant:
    """An issued authorization code, redeemable once."""

    platform: str
    client_id: str
    redirect_uri: str
    user_key: str
    scope: str
    expires_at: float


class OAuthError(Exception):
    """A token request the forge refuses (`error` is the RFC 6749 code)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


class OAuthFace:
    """Authorize pages and token endpoints for all three forges; codes live in this object."""

    def __init__(self) -> None:
        self.grants: dict[str, Grant] = {}

    def register(self, router: Router) -> None:
        """Add the OAuth routes (not API routes: no budgets, no token auth)."""
        for platform, forge in FORGES.items():
            for method in ("GET", "POST"):
                router.add(method, forge["authorize"], self._authorize_handler(platform), api=False)
            router.add("POST", forge["token"], self._token_handler(platform), api=False)

    def _authorize_handler(self, platform: str):
        return lambda req: self.authorize(req, platform)

    def _token_handler(self, platform: str):
        return lambda req: self.token(req, platform)

    # ---- authorize -------------------------------------------------------------------------------
    def authorize(self, req: Request, platform: str) -> Response:
        """GET: the consent page. POST: the decision (approve with a chosen user, or deny)."""
        params = _params(req)
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        problem = _check_authorize(params)
        if problem:
            # A bad client or redirect is shown to the user, never redirected to (RFC 6749 4.1.2.1).
            return _page(400, f"{FORGES[platform]['name']}: {problem}", f"<p id='oauth-error'>{_e(problem)}</p>")
        state = params.get("state")
        if req.method == "GET":
            return self._consent_page(req, platform, params)
        if params.get("decision") != "approve":
            return _redirect(redirect_uri, {"error": "access_denied",
                                            "error_description": "The user has denied your application access.",
                                            "state": state})
        user = req.world.user_by_login(platform, params.get("login", ""))
        if user is None:
            return _page(400, "Unknown user", f"<p id='oauth-error'>No {platform} user "
                                              f"{_e(params.get('login', ''))}.</p>")
        code = secrets.token_urlsafe(20)
        self.grants[code] = Grant(platform, client_id, redirect_uri, user.key,
                                  params.get("scope") or FORGES[platform]["scope"], time.time() + CODE_TTL_SECONDS)
        return _redirect(redirect_uri, {"code": code, "state": state})

    def _consent_page(self, req: Request, platform: str, params: dict[str, str]) -> Response:
        forge = FORGES[platform]
        users = sorted(req.world.users_on(platform), key=lambda u: (u.login(platform) or "").lower())
        options = "".join(
            f"<label><input type='radio' name='login' value='{_e(u.login(platform))}'"
            f"{' checked' if i == 0 else ''}> {_e(u.login(platform))} "
            f"<small>(id {u.uid(platform)}{', ' + _e(u.name) if u.name else ''})</small></label><br>"
            for i, u in enumerate(users) if not u.is_bot
        )
        hidden = "".join(f"<input type='hidden' name='{_e(k)}' value='{_e(v)}'>"
                         for k, v in params.items() if k not in ("login", "decision"))
        body = (
            f"<p>Application <strong id='client-id'>{_e(params['client_id'])}</strong> wants to use your "
            f"{forge['name']} account.</p>"
            f"<form method='post' action='{_e(forge['authorize'])}'>{hidden}"
            f"<fieldset><legend>Sign in as</legend>{options}</fieldset>"
            f"<button type='submit' name='decision' value='approve' id='approve'>Authorize</button> "
            f"<button type='submit' name='decision' value='deny' id='deny'>Cancel</button></form>"
        )
        return _page(200, f"Authorize application · {forge['name']} (forgesim)", body)

    # ---- token -----------------------------------------------------------------------------------
    def token(self, req: Request, platform: str) -> Response:
        """Exchange a code for a token (single use, same client and redirect URI, not expired)."""
        params = _params(req)
        try:
            grant = self._redeem(platform, params)
        except OAuthError as exc:
            return _token_error(req, platform, exc)
        token = req.world.issue_token(platform, grant.user_key)
        data: dict[str, Any] = {"access_token": token, "token_type": "bearer", "scope": grant.scope}
        expires_in = FORGES[platform]["expires_in"]
        if expires_in:
            data.update({"token_type": "Bearer" if platform == "gitlab" else "bearer", "expires_in": expires_in,
                         "refresh_token": secrets.token_hex(16), "created_at": int(time.time())})
        return _token_body(req, platform, 200, data)

    def _redeem(self, platform: str, params: dict[str, str]) -> Grant:
        if platform != "github" and params.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code")
        if not params.get("client_id") or not params.get("client_secret"):
            raise OAuthError("invalid_client", "client_id and client_secret are required")
        grant = self.grants.pop(params.get("code", ""), None)  # popped: a replayed code finds nothing
        if grant is None or grant.platform != platform or grant.expires_at < time.time():
            raise OAuthError("bad_verification_code" if platform == "github" else "invalid_grant",
                             "The code passed is incorrect or expired.")
        if grant.client_id != params["client_id"]:
            raise OAuthError("incorrect_client_credentials", "The code was issued to another client.")
        if params.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "The redirect_uri does not match the authorization request.")
        return grant


def register_oauth(router: Router) -> OAuthFace:
    """Add the OAuth faces to a simulator's router (one code store per simulator)."""
    face = OAuthFace()
    face.register(router)
    return face


# ---- helpers ---------------------------------------------------------------------------------------
def _params(req: Request) -> dict[str, str]:
    """Query parameters overlaid with a form or JSON body (the last value of each)."""
    merged = {k: v[-1] for k, v in req.query.items()}
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if req.body:
        if ctype == "application/json":
            try:
                body = json.loads(req.body)
            except ValueError:
                body = {}
            merged.update({k: str(v) for k, v in body.items()} if isinstance(body, dict) else {})
        else:
            merged.update({k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace"),
                                                         keep_blank_values=True).items()})
    return merged


def _check_authorize(params: dict[str, str]) -> str | None:
    if not params.get("client_id"):
        return "client_id is missing"
    uri = urlsplit(params.get("redirect_uri", ""))
    if uri.scheme not in ("http", "https") or not uri.netloc:
        return "redirect_uri is missing or not an absolute http(s) URL"
    if params.get("response_type", "code") != "code":
        return "only response_type=code is supported"
    return None


def _token_error(req: Request, platform: str, exc: OAuthError) -> Response:
    body = {"error": exc.error, "error_description": exc.description}
    # GitHub answers a bad code with 200 and an error body; Gitee 401; GitLab 400.
    status = {"github": 200, "gitee": 401, "gitlab": 400}[platform]
    return _token_body(req, platform, status, body)


def _token_body(req: Request, platform: str, status: int, data: dict[str, Any]) -> Response:
    """JSON, except GitHub without `Accept: application/json`, which gets a form-encoded body."""
    if platform == "github" and "json" not in (req.headers.get("Accept") or "").lower():
        return Response(status, urlencode({k: v for k, v in data.items() if v is not None}).encode(),
                        content_type="application/x-www-form-urlencoded; charset=utf-8")
    return Response(status, data, headers={"Cache-Control": "no-store"})


def _redirect(uri: str, params: dict[str, str | None]) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return Response(302, b"", headers={"Location": uri + ("&" if urlsplit(uri).query else "?") + query},
                    content_type="text/plain; charset=utf-8")


def _page(status: int, title: str, body: str) -> Response:
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title></head>"
           f"<body><h1>{_e(title)}</h1>{body}</body></html>")
    return Response(status, doc.encode("utf-8"), content_type="text/html; charset=utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
