"""GitLab REST v4 face: /gitlab/api/v4 (python-gitlab's url is /gitlab)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from forgesim.face import Face, fake_sha, require_user, stable_int
from forgesim.limits import Budget
from forgesim.model import SimPull, SimRepo, SimUser
from forgesim.routing import (
    HttpError,
    Request,
    Response,
    Router,
    filter_states,
    gitlab_time,
    link_header,
    listing,
    paginate,
    parse_time,
)

GITLAB_STATE = {"open": "opened", "closed": "closed", "merged": "merged"}
# GitLab stops counting past 10,000 rows: x-total and x-total-pages are then omitted.
COUNT_LIMIT = 10_000


class GitLabFace(Face):
    """Routes and JSON shapes of GitLab's REST API v4."""

    platform = "gitlab"
    prefix = "/gitlab/api/v4"
    # A 502/503 comes from the load balancer, without the app's RateLimit-* headers; were they present,
    # python-gitlab would sleep until RateLimit-Reset before retrying a transient error.
    limit_headers_on_5xx = False

    def register(self, router: Router) -> None:
        """Add the GitLab routes."""
        p, add = self.prefix, router.add
        add("GET", p + "/user", self.get_authenticated_user, platform="gitlab")
        add("GET", p + "/users", self.list_users, platform="gitlab")
        add("GET", p + "/users/{uid}", self.get_user, platform="gitlab")
        add("GET", p + "/projects/{pid}", self.get_project, platform="gitlab")
        add("GET", p + "/projects/{pid}/merge_requests", self.list_project_mrs, platform="gitlab")
        add("GET", p + "/projects/{pid}/merge_requests/{iid}", self.get_mr, platform="gitlab")
        add("GET", p + "/projects/{pid}/merge_requests/{iid}/diffs", self.list_mr_diffs, platform="gitlab")
        add("GET", p + "/merge_requests", self.list_global_mrs, platform="gitlab")

    def extract_token(self, req: Request) -> str | None:
        """`PRIVATE-TOKEN` header, or an OAuth token as `Authorization: Bearer` or `access_token=` (allauth's way)."""
        token = req.headers.get("PRIVATE-TOKEN") or req.arg("access_token")
        if token:
            return token.strip()
        scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
        return value.strip() or None if scheme.lower() == "bearer" else None

    def error(self, status: int, message: str | None = None) -> Response:
        """GitLab's `{"message": "404 Project Not Found"}` style."""
        default = {401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found",
                   500: "500 Internal Server Error", 502: "502 Bad Gateway"}
        return Response(status, {"message": message or default.get(status, f"{status} Error")})

    def rate_limited(self, req: Request, budget: Budget, now: float, *, secondary: bool = False,
                     retry_after: int | None = None) -> Response:
        """429 `Retry later` with Retry-After (GitLab answers in plain text)."""
        return Response(429, b"Retry later\n", {"Retry-After": str(retry_after or budget.reset_in(now))},
                        content_type="text/plain; charset=utf-8")

    def limit_headers(self, budget: Budget, resource: str, now: float) -> dict[str, str]:
        """RateLimit-* headers GitLab.com sends."""
        from email.utils import formatdate

        return {
            "RateLimit-Limit": str(budget.limit), "RateLimit-Remaining": str(budget.remaining),
            "RateLimit-Observed": str(budget.used), "RateLimit-Reset": str(int(budget.reset_at)),
            "RateLimit-ResetTime": formatdate(budget.reset_at, usegmt=True),
        }

    # ---- shapes ----------------------------------------------------------------------------------
    def user_json(self, req: Request, user: SimUser | None, *, detail: bool = False) -> dict[str, Any] | None:
        """A basic user (detail=True: the /users/:id profile)."""
        if user is None or user.gitlab_id is None:
            return None
        data: dict[str, Any] = {
            "id": user.gitlab_id, "username": user.gitlab_username, "name": user.name or user.gitlab_username,
            "state": "active", "locked": False,
            "avatar_url": f"{req.base}/gitlab/uploads/-/avatar/{user.gitlab_id}.png",
            "web_url": f"{req.web_root}/{user.gitlab_username}",
        }
        if detail:
            data.update({"created_at": "2020-01-01T00:00:00.000Z", "bio": "", "location": "", "public_email": None,
                         "bot": user.is_bot, "job_title": "", "organization": ""})
        return data

    def project_json(self, req: Request, repo: SimRepo) -> dict[str, Any]:
        """A project with its namespace (groups may nest)."""
        ns_path = repo.namespace
        if repo.owner_is_user:
            user = req.world.users.get(repo.owner)
            ns = {"id": user.gitlab_id if user and user.gitlab_id else req.world.org_id("gitlab", ns_path),
                  "name": ns_path, "path": ns_path, "kind": "user", "full_path": ns_path, "parent_id": None}
        else:
            parent = ns_path.rsplit("/", 1)[0] if "/" in ns_path else None
            ns = {"id": req.world.org_id("gitlab", ns_path), "name": ns_path.rsplit("/", 1)[-1],
                  "path": ns_path.rsplit("/", 1)[-1], "kind": "group", "full_path": ns_path,
                  "parent_id": req.world.org_id("gitlab", parent) if parent else None}
        ns["web_url"] = f"{req.web_root}/{'groups/' if ns['kind'] == 'group' else ''}{ns_path}"
        api = f"{req.api_root}/projects/{repo.id}"
        data: dict[str, Any] = {
            "id": repo.id, "description": repo.description, "name": repo.name,
            "name_with_namespace": " / ".join(repo.path.split("/")), "path": repo.name,
            "path_with_namespace": repo.path, "created_at": gitlab_time(repo.created_at),
            "default_branch": repo.default_branch, "tag_list": [], "topics": [],
            "ssh_url_to_repo": f"git@gitlab.example:{repo.path}.git",
            "http_url_to_repo": f"{req.web_root}/{repo.path}.git", "web_url": f"{req.web_root}/{repo.path}",
            "readme_url": None, "forks_count": 0, "avatar_url": None,
            "star_count": stable_int(repo.path, mod=3000), "last_activity_at": gitlab_time(repo.created_at),
            "namespace": ns, "visibility": "public", "archived": False, "empty_repo": False,
            "_links": {"self": api, "merge_requests": f"{api}/merge_requests", "issues": f"{api}/issues"},
        }
        if repo.fork_of:
            parent = req.world.repo_by_spec(repo.fork_of)
            if parent is not None and parent.platform == "gitlab":
                data["forked_from_project"] = {"id": parent.id, "path_with_namespace": parent.path,
                                               "web_url": f"{req.web_root}/{parent.path}"}
        if repo.mirror_of:
            data["mirror"] = True
        return data

    def mr_json(self, req: Request, pull: SimPull, repo: SimRepo, *, detail: bool = False) -> dict[str, Any]:
        """A merge request (detail=True adds changes_count as a string, diff_refs, user)."""
        web = f"{req.web_root}/{repo.path}/-/merge_requests/{pull.number}"
        merger = req.world.users.get(pull.merged_by) if pull.merged_by and pull.state == "merged" else None
        merger_json = self.user_json(req, merger)
        author = self.user_json(req, req.world.users.get(pull.author))
        base_sha = fake_sha(repo.path, pull.base_ref, pull.number)
        data: dict[str, Any] = {
            "id": pull.id, "iid": pull.number, "project_id": repo.id, "title": pull.title, "description": "",
            "state": GITLAB_STATE[pull.state], "created_at": gitlab_time(pull.created_at),
            "updated_at": gitlab_time(pull.updated_at), "merged_by": merger_json, "merge_user": merger_json,
            "merged_at": gitlab_time(pull.merged_at),
            "closed_by": author if pull.state == "closed" else None,
            "closed_at": gitlab_time(pull.closed_at) if pull.state == "closed" else None,
            "target_branch": pull.base_ref, "source_branch": pull.head_ref,
            "user_notes_count": stable_int(pull.id, mod=7), "upvotes": 0, "downvotes": 0, "author": author,
            "assignees": [], "assignee": None, "reviewers": [], "source_project_id": repo.id,
            "target_project_id": repo.id, "labels": list(pull.labels), "draft": False, "work_in_progress": False,
            "milestone": None, "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged", "detailed_merge_status": "mergeable" if pull.state == "open"
            else "not_open", "sha": pull.head_sha, "merge_commit_sha": pull.merge_commit_sha,
            "squash_commit_sha": None, "discussion_locked": None, "should_remove_source_branch": None,
            "force_remove_source_branch": True, "prepared_at": gitlab_time(pull.created_at),
            "reference": f"!{pull.number}",
            "references": {"short": f"!{pull.number}", "relative": f"!{pull.number}",
                           "full": f"{repo.path}!{pull.number}"},
            "web_url": web, "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                                           "human_time_estimate": None, "human_total_time_spent": None},
            "squash": False, "squash_on_merge": False,
            "task_completion_status": {"count": 0, "completed_count": 0}, "has_conflicts": False,
            "blocking_discussions_resolved": True,
        }
        if detail:
            data.update({
                "subscribed": False, "changes_count": str(pull.changed_files), "latest_build_started_at": None,
                "latest_build_finished_at": None, "first_deployed_to_production_at": None, "pipeline": None,
                "head_pipeline": None,
                "diff_refs": {"base_sha": base_sha, "head_sha": pull.head_sha, "start_sha": base_sha},
                "merge_error": None, "first_contribution": False, "user": {"can_merge": False},
                "approvals_before_merge": None,
            })
        return data

    # ---- handlers --------------------------------------------------------------------------------
    def _project(self, req: Request) -> SimRepo:
        pid = unquote(req.params["pid"])
        repo = (req.world.repo_by_id("gitlab", int(pid)) if pid.isdigit() else req.world.repo("gitlab", pid))
        if repo is None:
            raise HttpError(404, self.error(404, "404 Project Not Found").body)
        return repo

    def _page(self, req: Request, items: list[Any], render: Any) -> Response:
        """One page with x-* pagination headers and a Link echoing our own base URL."""
        per_page, page = req.int_arg("per_page", 20, 1, 100), req.int_arg("page", 1)
        chunk, last = paginate(items, page, per_page)
        headers = {
            "x-page": str(page), "x-per-page": str(per_page),
            "x-next-page": str(page + 1) if page < last else "", "x-prev-page": str(page - 1) if page > 1 else "",
        }
        if len(items) <= COUNT_LIMIT:
            headers.update({"x-total": str(len(items)), "x-total-pages": str(last)})
            headers["Link"] = link_header(req, page, last, per_page, ("prev", "next", "first", "last"),
                                          always_ends=True)
        else:
            headers["Link"] = link_header(req, page, page + 1 if page < last else page, per_page,
                                          ("prev", "next", "first"), always_ends=True)
        return Response(200, [render(x) for x in chunk], headers)

    def _mr_filter(self, req: Request) -> tuple[frozenset[str], str, bool, Any]:
        state = req.arg("state", "all") or "all"
        if state not in ("opened", "closed", "merged", "locked", "all"):
            raise HttpError(400, {"error": "state does not have a valid value"})
        order_by = req.arg("order_by", "created_at") or "created_at"
        if order_by not in ("created_at", "updated_at", "title", "merged_at"):
            raise HttpError(400, {"error": "order_by does not have a valid value"})
        desc = (req.arg("sort", "desc") or "desc") != "asc"
        bounds = []
        for name, attr, op in (("updated_after", "updated_at", ">="), ("updated_before", "updated_at", "<="),
                               ("created_after", "created_at", ">="), ("created_before", "created_at", "<=")):
            value = req.arg(name)
            if value:
                try:
                    bounds.append((attr, op, parse_time(value)))
                except ValueError as exc:
                    raise HttpError(400, {"error": f"{name} is invalid"}) from exc
        states = frozenset() if state == "locked" else filter_states(state)

        def keep(p: SimPull) -> bool:
            return all(getattr(p, a) >= v if op == ">=" else getattr(p, a) <= v for a, op, v in bounds)

        return states, order_by, desc, keep

    def get_authenticated_user(self, req: Request) -> Response:
        """GET /user."""
        return Response(200, self.user_json(req, require_user(req, self), detail=True))

    def list_users(self, req: Request) -> Response:
        """GET /users?username=X (a list; empty if unknown)."""
        username = req.arg("username")
        if username:
            user = req.world.user_by_login("gitlab", username)
            users = [user] if user else []
        else:
            users = sorted(req.world.users_on("gitlab"), key=lambda u: u.gitlab_id or 0)
        return self._page(req, users, lambda u: self.user_json(req, u))

    def get_user(self, req: Request) -> Response:
        """GET /users/:id."""
        uid = req.params["uid"]
        user = req.world.user_by_id("gitlab", int(uid)) if uid.isdigit() else None
        if user is None:
            raise HttpError(404, self.error(404, "404 User Not Found").body)
        return Response(200, self.user_json(req, user, detail=True))

    def get_project(self, req: Request) -> Response:
        """GET /projects/:id (numeric id or URL-encoded path with subgroups)."""
        return Response(200, self.project_json(req, self._project(req)))

    def list_project_mrs(self, req: Request) -> Response:
        """GET /projects/:id/merge_requests."""
        repo = self._project(req)
        states, order_by, desc, keep = self._mr_filter(req)
        sort = {"created_at": "created", "updated_at": "updated"}.get(order_by, "created")
        pulls = [p for p in listing(req.world, "gitlab", repo.path, states, sort, desc) if keep(p)]
        return self._page(req, pulls, lambda p: self.mr_json(req, p, repo))

    def get_mr(self, req: Request) -> Response:
        """GET /projects/:id/merge_requests/:iid."""
        repo = self._project(req)
        iid = req.params["iid"]
        pull = req.world.pull("gitlab", repo.path, int(iid)) if iid.isdigit() else None
        if pull is None:
            raise HttpError(404, self.error(404, "404 Not found").body)
        return Response(200, self.mr_json(req, pull, repo, detail=True))

    def list_mr_diffs(self, req: Request) -> Response:
        """GET /projects/:id/merge_requests/:iid/diffs (GitLab 15.7+): per-file hunks adding up to the MR's size."""
        repo = self._project(req)
        iid = req.params["iid"]
        pull = req.world.pull("gitlab", repo.path, int(iid)) if iid.isdigit() else None
        if pull is None:
            raise HttpError(404, self.error(404, "404 Not found").body)
        files = max(1, pull.changed_files)

        def share(total: int, i: int) -> int:  # spread lines over the files, remainder on the first ones
            return total // files + (1 if i < total % files else 0)

        diffs = []
        for i in range(files):
            added, removed = share(pull.additions, i), share(pull.deletions, i)
            hunk = f"@@ -1,{removed} +1,{added} @@\n" + "-old\n" * removed + "+new\n" * added
            path = f"src/file_{i + 1}.py"
            diffs.append({"old_path": path, "new_path": path, "a_mode": "100644", "b_mode": "100644",
                          "diff": hunk, "new_file": False, "renamed_file": False, "deleted_file": False,
                          "generated_file": False})
        return self._page(req, diffs, lambda d: d)

    def list_global_mrs(self, req: Request) -> Response:
        """GET /merge_requests?scope=all&author_id=N (default scope is the token user's own)."""
        user = require_user(req, self)
        states, order_by, desc, keep = self._mr_filter(req)
        scope = req.arg("scope", "created_by_me")
        author_id = req.arg("author_id")
        author_name = req.arg("author_username")
        if author_id and author_id.isdigit():
            author = req.world.user_by_id("gitlab", int(author_id))
        elif author_name:
            author = req.world.user_by_login("gitlab", author_name)
        elif scope in ("created_by_me", "created-by-me"):
            author = user
        else:
            author = None
        if author is not None:
            pulls = [p for p in req.world.pulls_by_author(author.key) if p.platform == "gitlab"]
        elif author_id or author_name:
            pulls = []
        else:
            pulls = [p for p in req.world.all_pulls() if p.platform == "gitlab"]
        pulls = [p for p in pulls if p.state in states and keep(p)]
        attr = "updated_at" if order_by == "updated_at" else "created_at"
        pulls.sort(key=lambda p: (getattr(p, attr), p.id), reverse=desc)

        def render(p: SimPull) -> dict[str, Any]:
            repo = req.world.repo("gitlab", p.repo_path)
            assert repo is not None
            return self.mr_json(req, p, repo)

        return self._page(req, pulls, render)
