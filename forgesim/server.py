"""The HTTP server: routing, auth, budgets, ETags, faults, counters, and the /_sim control endpoints."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from forgesim.chaos import FaultRate, FaultRates, add_arrival
from forgesim.face import Face
from forgesim.gitee import GiteeFace
from forgesim.github import GitHubFace
from forgesim.gitlab import GitLabFace
from forgesim.limits import ANONYMOUS, Budgets, Fault, Faults, Stats
from forgesim.model import World
from forgesim.oauth import register_oauth
from forgesim.routing import HttpError, Request, Response, Route, Router

log = logging.getLogger("forgesim")


class SimState:
    """Everything the request handler needs: world, router, faces, budgets, counters, faults."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.router = Router()
        self.faces: dict[str, Face] = {}
        self.budgets, self.stats, self.faults = Budgets(), Stats(), Faults()
        self.rates = FaultRates()
        for face in (GitHubFace(), GiteeFace(), GitLabFace()):
            self.faces[face.platform] = face
            face.register(self.router)
        self.oauth = register_oauth(self.router)
        self._register_control()

    def declared_limit(self, platform: str, token: str | None) -> int | None:
        """The limit a scenario declared for a token (None: the forge default)."""
        info = self.world.token_info(platform, token) if token else None
        return info.get("limit") if info else None

    @staticmethod
    def budget_key(token: str | None) -> str:
        """Budgets are per token; unauthenticated requests share one 'anonymous' budget."""
        return token or ANONYMOUS

    # ---- control endpoints -----------------------------------------------------------------------
    def _register_control(self) -> None:
        add = self.router.add
        add("GET", "/_sim/health", lambda req: Response(200, {"status": "ok", "pulls": self.world.pull_count()}),
            api=False)
        add("GET", "/_sim/stats", lambda req: Response(200, {**self.stats.snapshot(),
                                                              "budgets": self.budgets.snapshot(),
                                                              "faults": self.faults.snapshot(),
                                                              "fault_rates": self.rates.snapshot()}), api=False)
        add("POST", "/_sim/reset-stats", self._reset_stats, api=False)
        add("POST", "/_sim/faults", self._post_faults, api=False)
        add("POST", "/_sim/fault-rates", self._post_fault_rates, api=False)

    def _reset_stats(self, req: Request) -> Response:
        self.stats.reset()
        return Response(200, {"status": "ok"})

    def _post_faults(self, req: Request) -> Response:
        """Body: one fault object or a list; `{"clear": true}` drops pending faults first."""
        try:
            data = json.loads(req.body or b"{}")
            specs = data if isinstance(data, list) else [data]
            if isinstance(data, dict) and data.pop("clear", False):
                self.faults.clear()
                specs = [data] if data.get("kind") else []
            for spec in specs:
                self.faults.add(Fault(**spec))
        except (ValueError, TypeError) as exc:
            return Response(400, {"message": str(exc)})
        return Response(200, {"faults": self.faults.snapshot()})

    def _post_fault_rates(self, req: Request) -> Response:
        """Body: one FaultRate object (platform, rate, mix, seed, ...) or a list; `[]` or `{"clear": true}` clears."""
        try:
            data = json.loads(req.body or b"{}")
            specs = data if isinstance(data, list) else [data]
            if not specs or isinstance(data, dict) and data.pop("clear", False):
                self.rates.clear()
                specs = [data] if isinstance(data, dict) and data.get("platform") else []
            for spec in specs:
                self.rates.set(FaultRate(**spec))
        except (ValueError, TypeError) as exc:
            return Response(400, {"message": str(exc)})
        return Response(200, self.rates.snapshot())

    # ---- the pipeline ----------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        """Answer one request (route, auth, fault, budget, handler, ETag, counters)."""
        route, params, path_seen = self.router.match(req.method, req.path)
        platform = route.platform if route else next(
            (p for p, f in self.faces.items() if req.path.startswith(f.prefix)), None)
        if route is not None and not route.api:
            req.params = params
            return self._call(route, req)
        if platform is None:
            return Response(404, {"message": "Not Found"})
        face = self.faces[platform]
        req.platform, req.prefix, req.params, req.sim = platform, face.prefix, params, self
        endpoint = f"{platform} {req.method} {route.template[len(face.prefix):] if route else '<unknown>'}"
        token = face.extract_token(req)
        if token is not None:
            info = self.world.token_info(platform, token)
            if info is None:
                resp = face.unauthorized(req)
                self.stats.record(platform=platform, endpoint=endpoint, token="<invalid>", status=resp.status,
                                  spent=False, fault=False)
                return resp
            req.token = token
            req.user = self.world.users.get(info["user"]) if info.get("user") else None
        key = self.budget_key(req.token)
        resource = route.resource if route else "core"
        budget = self.budgets.get(platform, key, resource, self.declared_limit(platform, req.token))
        now = time.time()
        fault = self.faults.take(platform, req.path[len(face.prefix):] + ("?" + req.raw_query if req.raw_query
                                                                          else ""))
        spent = False
        drawn = self.rates.draw(platform) if fault is None else None
        if drawn is not None and drawn not in ("slow", "truncated"):
            resp = self._rate_fault(face, req, drawn, budget, key, resource, now)
            budget = self.budgets.get(platform, key, resource, self.declared_limit(platform, req.token))
        elif fault is not None:
            resp = self._fault_response(face, req, fault, budget, now)
        elif route is None:
            resp = Response(405 if path_seen else 404, face.error(405 if path_seen else 404).body)
            budget.spend()
            spent = True
        elif budget.remaining <= 0 and not route.template.endswith("/rate_limit"):
            resp = face.rate_limited(req, budget, now)
        else:
            self._maybe_arrive(route, req, platform)
            if drawn == "slow":  # answered in the end, but later than the client waits
                time.sleep(self.rates.get(platform).slow_seconds)
            resp = self._call(route, req)
            resp.resource = resource
            resp.truncate = drawn == "truncated" and resp.status == 200
            if resp.status == 200 and req.method in ("GET", "HEAD") and resp.body is not None:
                self._etag(req, resp)
            if resp.status != 304 and not resp.free:
                budget.spend()
                spent = True
        if resp.status < 500 or face.limit_headers_on_5xx:
            resp.headers.update(face.limit_headers(budget, resource, now))
        if fault and fault.kind == "rate_limit" and platform == "github":
            resp.headers["x-ratelimit-remaining"] = "0"
            if fault.retry_after:  # so a client that waits for the reset waits only this long
                resp.headers["x-ratelimit-reset"] = str(int(now + fault.retry_after))
        self.stats.record(platform=platform, endpoint=endpoint, token=key, status=0 if resp.drop else resp.status,
                          spent=spent, fault=fault is not None or drawn is not None)
        return resp

    def _rate_fault(self, face: Face, req: Request, kind: str, budget: Any, key: str, resource: str,
                    now: float) -> Response:
        """The answer for a fault drawn from the forge's rate (not slow/truncated: those answer for real)."""
        rate = self.rates.get(req.platform)
        if kind == "reset":
            return Response(0, None, drop=True)
        if kind in ("500", "502", "503"):
            return face.error(int(kind))
        if kind == "primary":  # the token's budget is gone until its reset: later requests are limited too
            budget = self.budgets.set(req.platform, key, resource, 0, rate.primary_reset,
                                      self.declared_limit(req.platform, req.token))
            return face.rate_limited(req, budget, now)
        if kind == "429" and req.platform == "github":
            resp = face.error(429, "Too many requests")
            resp.headers["retry-after"] = str(rate.retry_after)
            return resp
        return face.rate_limited(req, budget, now, secondary=kind == "secondary", retry_after=rate.retry_after)

    def _maybe_arrive(self, route: Route, req: Request, platform: str) -> None:
        """New PRs arriving between page requests: before a list page after the first, maybe add one."""
        if req.method != "GET" or not route.template.endswith(("/pulls", "/merge_requests")):
            return
        if int((req.query.get("page") or ["1"])[-1] or 1) < 2 or not self.rates.arrival(platform):
            return
        repo = req.params.get("pid") or f"{req.params.get('owner')}/{req.params.get('repo')}"
        from urllib.parse import unquote

        found = (self.world.repo_by_id(platform, int(repo)) if repo.isdigit()
                 else self.world.repo(platform, unquote(repo)))
        if found is not None:
            arrived = add_arrival(self.world, platform, found.path, self.rates.get(platform).rng)
            if arrived:
                with self.rates._lock:
                    self.rates.arrivals.append(arrived)

    def _call(self, route: Route, req: Request) -> Response:
        try:
            with self.world.lock:
                return route.handler(req)
        except HttpError as exc:
            return Response(exc.status, exc.body, exc.headers)

    def _etag(self, req: Request, resp: Response) -> None:
        """Set a weak ETag from the body; a matching If-None-Match turns the answer into a free 304."""
        body = encode(resp)
        resp.body = body
        tag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        resp.headers["ETag"] = tag
        sent = req.headers.get("If-None-Match")
        if sent:
            wanted = {t.strip().removeprefix("W/") for t in sent.split(",")}
            if tag.removeprefix("W/") in wanted or "*" in wanted:
                resp.status, resp.body = 304, b""

    def _fault_response(self, face: Face, req: Request, fault: Fault, budget: Any, now: float) -> Response:
        if fault.kind == "status":
            resp = face.error(int(fault.status or 500))
            if fault.retry_after:
                resp.headers["Retry-After"] = str(fault.retry_after)
            return resp
        if fault.kind == "malformed":
            return face.malformed()
        secondary = fault.kind == "secondary_rate_limit"
        return face.rate_limited(req, budget, now, secondary=secondary, retry_after=fault.retry_after)


def encode(resp: Response) -> bytes:
    """The response body as bytes (JSON unless already bytes)."""
    if isinstance(resp.body, bytes | bytearray):
        return bytes(resp.body)
    if resp.body is None:
        return b""
    return json.dumps(resp.body, ensure_ascii=False, separators=(",", ":")).encode()


class SimHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 handler; always sends Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "forgesim/1.0"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients stall ~40 ms on
    # delayed ACKs for every response.
    disable_nagle_algorithm = True
    state: SimState  # set on the per-simulator subclass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        req = Request(method=self.command, path=parts.path, query=parse_qs(parts.query, keep_blank_values=True),
                      headers=self.headers, body=body, base=f"http://{host}", world=self.state.world,
                      raw_query=parts.query)
        try:
            resp = self.state.handle(req)
        except Exception:  # a simulator bug must still answer, or clients hang on keep-alive
            log.exception("forgesim: %s %s", self.command, self.path)
            resp = Response(500, {"message": "forgesim internal error"})
        if resp.drop:  # a connection reset: no status line, no body
            self.close_connection = True
            return
        data = encode(resp)
        if resp.truncate:
            data = data[: max(1, len(data) // 2)]
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if resp.status != 304:
            self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(data)) if resp.status != 304 else "0")
        self.end_headers()
        if resp.status != 304 and self.command != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # a client that timed out on a slow answer left
                self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet by default (tests and benchmarks make many requests)."""
        log.debug("forgesim: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Simulator:
    """Embeddable forgesim: `Simulator(world).start()` serves GitHub, Gitee and GitLab faces on one port."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.state = SimState(world)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def router(self) -> Router:
        """The route table (the OAuth face registers here)."""
        return self.state.router

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Simulator:
        """Bind and serve in a daemon thread; returns self."""
        handler = type("BoundSimHandler", (SimHandler,), {"state": self.state})
        self._server = _Server((host, port), handler)
        # A short poll interval makes stop() quick (tests start and stop many simulators).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="forgesim", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and serve in the calling thread (the command line)."""
        handler = type("BoundSimHandler", (SimHandler,), {"state": self.state})
        self._server = _Server((host, port), handler)
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://host:port` of the running server."""
        assert self._server is not None, "Simulator not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    github_api_url = property(lambda self: self.url + "/github/api/v3", doc="PyGithub base_url.")
    github_url = property(lambda self: self.url + "/github", doc="GitHub web / OAuth root.")
    gitee_api_url = property(lambda self: self.url + "/gitee/api/v5", doc="Gitee REST root.")
    gitee_url = property(lambda self: self.url + "/gitee", doc="Gitee web / OAuth root.")
    gitlab_url = property(lambda self: self.url + "/gitlab", doc="python-gitlab url (REST at /api/v4).")

    def stats(self) -> dict[str, Any]:
        """Counters (same JSON as GET /_sim/stats)."""
        return {**self.state.stats.snapshot(), "budgets": self.state.budgets.snapshot(),
                "faults": self.state.faults.snapshot(), "fault_rates": self.state.rates.snapshot()}

    def reset_stats(self) -> None:
        """Zero the counters (budgets are kept)."""
        self.state.stats.reset()

    def inject_fault(self, platform: str, path_regex: str, kind: str, times: int | None = 1,
                     status: int | None = None, retry_after: int | None = None) -> None:
        """Make the next `times` matching requests fail (path after the API prefix, with query)."""
        self.state.faults.add(Fault(platform, path_regex, kind, times, status, retry_after))

    def clear_faults(self) -> None:
        """Drop pending faults (and every fault rate)."""
        self.state.faults.clear()
        self.state.rates.clear()

    def set_fault_rate(self, platform: str, rate: float, *, seed: int = 0, mix: dict[str, float] | None = None,
                       **options: Any) -> None:
        """Make a seeded share of `platform`'s API answers fail (kinds and weights in `mix`); rate 0 clears."""
        self.state.rates.set(FaultRate(platform, rate, **({"mix": mix} if mix else {}), seed=seed, **options))

    def arrivals(self) -> list[dict[str, Any]]:
        """The PRs that arrived between page requests in this run."""
        return self.state.rates.snapshot()["arrivals"]

    def set_budget(self, platform: str, token: str | None, remaining: int, reset_in_seconds: float,
                   resource: str = "core") -> None:
        """Force a token's remaining budget and reset time (token None: the anonymous budget)."""
        self.state.budgets.set(platform, self.state.budget_key(token), resource, remaining, reset_in_seconds,
                               self.state.declared_limit(platform, token))
