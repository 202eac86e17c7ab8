"""Gitee API v5 face (swagger 5.3.2 subset): /gitee/api/v5."""

from __future__ import annotations

from typing import Any

from forgesim.face import Face, fake_sha, require_user, stable_int
from forgesim.limits import Budget
from forgesim.model import SimPull, SimRepo, SimUser
from forgesim.routing import (
    HttpError,
    Request,
    Response,
    Router,
    filter_states,
    gitee_time,
    listing,
    paginate,
)


class GiteeFace(Face):
    """Routes and JSON shapes of Gitee's v5 API.

    Gitee documents no rate-limit headers, so none are sent; an exhausted budget answers
    429 with `Retry-After` (seconds). Pull requests carry `head.sha`/`base.sha` but no
    `merge_commit_sha` and no `merged_by`, as on gitee.com.
    """

    platform = "gitee"
    prefix = "/gitee/api/v5"

    def register(self, router: Router) -> None:
        """Add the Gitee routes."""
        p, add = self.prefix, router.add
        add("GET", p + "/user", self.get_authenticated_user, platform="gitee")
        add("GET", p + "/users/{login}", self.get_user, platform="gitee")
        add("GET", p + "/repos/{owner}/{repo}", self.get_repo, platform="gitee")
        add("GET", p + "/repos/{owner}/{repo}/pulls", self.list_pulls, platform="gitee")
        add("GET", p + "/repos/{owner}/{repo}/pulls/{number}", self.get_pull, platform="gitee")

    def extract_token(self, req: Request) -> str | None:
        """`access_token` query parameter (an `Authorization: token|Bearer` header also works)."""
        token = req.arg("access_token")
        if token:
            return token
        scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
        return value.strip() or None if scheme.lower() in ("token", "bearer") else None

    def error(self, status: int, message: str | None = None) -> Response:
        """Gitee's `{"message": ...}` error body."""
        default = {401: "401 Unauthorized: Access token does not exist", 403: "403 Forbidden",
                   404: "404 Not Found", 429: "Rate Limit Exceeded", 500: "500 Internal Server Error",
                   502: "502 Bad Gateway", 503: "503 Service Unavailable"}
        return Response(status, {"message": message or default.get(status, f"{status} Error")})

    def rate_limited(self, req: Request, budget: Budget, now: float, *, secondary: bool = False,
                     retry_after: int | None = None) -> Response:
        """429 with Retry-After."""
        resp = self.error(429)
        resp.headers["Retry-After"] = str(retry_after or budget.reset_in(now))
        return resp

    # ---- shapes ----------------------------------------------------------------------------------
    def user_json(self, req: Request, user: SimUser | None, *, detail: bool = False) -> dict[str, Any] | None:
        """A user as embedded in other objects (detail=True: the /users profile)."""
        if user is None or user.gitee_id is None:
            return None
        login, api = user.gitee_login, req.api_root
        data: dict[str, Any] = {
            "id": user.gitee_id, "login": login, "name": user.name or login,
            "avatar_url": f"{req.base}/gitee/assets/no_portrait.png", "url": f"{api}/users/{login}",
            "html_url": f"{req.web_root}/{login}", "remark": "", "followers_url": f"{api}/users/{login}/followers",
            "type": "User",
        }
        if detail:
            data.update({
                "blog": None, "weibo": None, "bio": "", "public_repos": 0, "public_gists": 0, "followers": 0,
                "following": 0, "stared": 0, "watched": 0, "created_at": "2020-01-01T08:00:00+08:00",
                "updated_at": "2026-01-01T08:00:00+08:00", "email": user.email or None,
            })
        return data

    def namespace_json(self, req: Request, repo: SimRepo) -> dict[str, Any]:
        """The repository's namespace (a personal space or an organisation)."""
        if repo.owner_is_user:
            user = req.world.users.get(repo.owner)
            login = user.gitee_login if user and user.gitee_login else repo.namespace
            nid = user.gitee_id if user and user.gitee_id else req.world.org_id("gitee", login)
            return {"id": nid, "type": "personal", "name": login, "path": login,
                    "html_url": f"{req.web_root}/{login}"}
        oid = req.world.org_id("gitee", repo.owner)
        return {"id": oid, "type": "group", "name": repo.owner, "path": repo.owner,
                "html_url": f"{req.web_root}/{repo.owner}"}

    def repo_json(self, req: Request, repo: SimRepo, *, detail: bool = False) -> dict[str, Any]:
        """A repository."""
        ns = self.namespace_json(req, repo)
        owner = (self.user_json(req, req.world.users.get(repo.owner)) if repo.owner_is_user else
                 {"id": ns["id"], "login": ns["path"], "name": ns["name"], "url": f"{req.api_root}/users/{ns['path']}",
                  "html_url": ns["html_url"], "type": "User"})
        data: dict[str, Any] = {
            "id": repo.id, "full_name": repo.path, "human_name": f"{ns['name']}/{repo.name}",
            "url": f"{req.api_root}/repos/{repo.path}", "namespace": ns, "path": repo.name, "name": repo.name,
            "owner": owner, "assigner": owner, "description": repo.description, "private": False, "public": True,
            "internal": False, "fork": repo.fork_of is not None, "html_url": f"{req.web_root}/{repo.path}.git",
            "ssh_url": f"git@gitee.com:{repo.path}.git", "default_branch": repo.default_branch,
            "created_at": gitee_time(repo.created_at), "updated_at": gitee_time(repo.created_at),
            "pushed_at": gitee_time(repo.created_at), "stargazers_count": stable_int(repo.path, mod=20000),
            "forks_count": 0, "open_issues_count": 0, "language": "Python", "license": None,
            "recommend": False, "gvp": False, "homepage": None, "status": "开始",
        }
        if detail and repo.fork_of:
            parent = req.world.repo_by_spec(repo.fork_of)
            data["parent"] = self.repo_json(req, parent) if parent and parent.platform == "gitee" else None
        return data

    def pull_json(self, req: Request, pull: SimPull, repo: SimRepo, *, detail: bool = False) -> dict[str, Any]:
        """A pull request (detail=True adds additions, deletions, changed_files, commits, comments)."""
        api = f"{req.api_root}/repos/{repo.path}"
        url, html = f"{api}/pulls/{pull.number}", f"{req.web_root}/{repo.path}/pulls/{pull.number}"
        author = self.user_json(req, req.world.users.get(pull.author))
        repo_small = self.repo_json(req, repo)

        def ref(name: str, sha: str, user: dict[str, Any] | None) -> dict[str, Any]:
            return {"label": name, "ref": name, "sha": sha, "user": user, "repo": repo_small}

        data: dict[str, Any] = {
            "id": pull.id, "url": url, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
            "issue_url": f"{url}/issues", "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "comments_url": f"{url}/comments", "number": pull.number, "state": pull.state,
            "assignees_number": 0, "testers_number": 0, "assignees": [], "testers": [], "milestone": None,
            "labels": [{"id": stable_int(repo.path, name), "name": name,
                        "color": f"{stable_int(name, mod=0xFFFFFF):06x}", "repository_id": repo.id,
                        "url": f"{api}/labels/{name}", "created_at": gitee_time(repo.created_at),
                        "updated_at": gitee_time(repo.created_at)} for name in pull.labels],
            "locked": False, "created_at": gitee_time(pull.created_at), "updated_at": gitee_time(pull.updated_at),
            "closed_at": gitee_time(pull.closed_at), "draft": False, "merged_at": gitee_time(pull.merged_at),
            "mergeable": pull.state == "open", "can_merge_check": False,
            "_links": {"self": {"href": url}, "html": {"href": html}},
            "user": author, "ref_pull_requests": [], "title": pull.title, "body": None,
            "head": ref(pull.head_ref, pull.head_sha, author),
            "base": ref(pull.base_ref, fake_sha(repo.path, pull.base_ref, pull.number), repo_small["owner"]),
            "prune_branch": False, "close_related_issue": True,
        }
        if detail:
            data.update({
                "additions": pull.additions, "deletions": pull.deletions, "changed_files": pull.changed_files,
                "commits": 1 + stable_int(pull.id, 2, mod=6), "comments": stable_int(pull.id, mod=7),
            })
        return data

    # ---- handlers --------------------------------------------------------------------------------
    def _repo(self, req: Request) -> SimRepo:
        repo = req.world.repo("gitee", f"{req.params['owner']}/{req.params['repo']}")
        if repo is None:
            raise HttpError(404, self.error(404, "Not Found Project").body)
        return repo

    def get_authenticated_user(self, req: Request) -> Response:
        """GET /user."""
        if req.token is None:
            raise HttpError(401, self.error(401, "401 Unauthorized: Access token is required").body)
        return Response(200, self.user_json(req, require_user(req, self), detail=True))

    def get_user(self, req: Request) -> Response:
        """GET /users/{login}."""
        user = req.world.user_by_login("gitee", req.params["login"])
        if user is None:
            raise HttpError(404, self.error(404, "Not Found").body)
        return Response(200, self.user_json(req, user, detail=True))

    def get_repo(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}."""
        return Response(200, self.repo_json(req, self._repo(req), detail=True))

    def list_pulls(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}/pulls: state, sort, direction, page, per_page; total_count/total_page."""
        repo = self._repo(req)
        state = req.arg("state", "open")
        if state not in ("open", "closed", "merged", "all"):
            raise HttpError(400, self.error(400, "state 的值不正确").body)
        sort = req.arg("sort", "created")
        if sort not in ("created", "updated", "popularity", "long-running"):
            raise HttpError(400, self.error(400, "sort 的值不正确").body)
        desc = (req.arg("direction", "desc") or "desc") != "asc"
        pulls = listing(req.world, "gitee", repo.path, filter_states(state), sort, desc)
        per_page, page = req.int_arg("per_page", 20, 1, 100), req.int_arg("page", 1)
        chunk, last = paginate(pulls, page, per_page)
        headers = {"total_count": str(len(pulls)), "total_page": str(-(-len(pulls) // per_page))}
        return Response(200, [self.pull_json(req, p, repo) for p in chunk], headers)

    def get_pull(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}/pulls/{number}."""
        repo = self._repo(req)
        number = req.params["number"]
        pull = req.world.pull("gitee", repo.path, int(number)) if number.isdigit() else None
        if pull is None:
            raise HttpError(404, self.error(404, "Not Found").body)
        return Response(200, self.pull_json(req, pull, repo, detail=True))
