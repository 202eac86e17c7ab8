"""GitHub REST v3 face (GitHub Enterprise layout: /github/api/v3)."""

from __future__ import annotations

from typing import Any

from forgesim.face import Face, fake_sha, require_user, stable_int
from forgesim.github_search import search_issues
from forgesim.limits import Budget
from forgesim.model import ISSUE_ID_OFFSET, SimPull, SimRepo, SimUser
from forgesim.routing import (
    HttpError,
    Request,
    Response,
    Router,
    filter_states,
    github_time,
    link_header,
    listing,
    paginate,
)

DOCS = "https://docs.github.com/rest"
GHOST = SimUser(key="__ghost__", name="Deleted user", github_id=10137, github_login="ghost")


class GitHubFace(Face):
    """Routes and JSON shapes of GitHub's REST API v3."""

    platform = "github"
    prefix = "/github/api/v3"

    def register(self, router: Router) -> None:
        """Add the GitHub routes."""
        p, add = self.prefix, router.add
        add("GET", p + "/user", self.get_authenticated_user, platform="github")
        add("GET", p + "/user/{uid}", self.get_user_by_id, platform="github")
        add("GET", p + "/users/{login}", self.get_user, platform="github")
        add("GET", p + "/repos/{owner}/{repo}", self.get_repo, platform="github")
        add("GET", p + "/repos/{owner}/{repo}/pulls", self.list_pulls, platform="github")
        add("GET", p + "/repos/{owner}/{repo}/pulls/{number}", self.get_pull, platform="github")
        add("GET", p + "/repos/{owner}/{repo}/issues/{number}", self.get_issue, platform="github")
        add("GET", p + "/search/issues", self.search, platform="github", resource="search")
        add("GET", p + "/rate_limit", self.rate_limit, platform="github")

    # ---- machinery -------------------------------------------------------------------------------
    def extract_token(self, req: Request) -> str | None:
        """`Authorization: token X` or `Bearer X`."""
        auth = req.headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        return value.strip() or None if scheme.lower() in ("token", "bearer") else None

    def error(self, status: int, message: str | None = None) -> Response:
        """GitHub's `{"message", "documentation_url"}` error body."""
        default = {401: "Bad credentials", 403: "Forbidden", 404: "Not Found", 422: "Validation Failed",
                   500: "Server Error", 502: "Server Error", 503: "Service Unavailable"}
        body = {"message": message or default.get(status, "Error"), "documentation_url": DOCS,
                "status": str(status)}
        return Response(status, body)

    def rate_limited(self, req: Request, budget: Budget, now: float, *, secondary: bool = False,
                     retry_after: int | None = None) -> Response:
        """Primary: 403 with x-ratelimit-remaining 0; secondary: 403 with retry-after."""
        if secondary:
            resp = self.error(403, "You have exceeded a secondary rate limit. Please wait a few minutes "
                                   "before you try again. If you reach out to GitHub Support for help, "
                                   "please include the request ID.")
            resp.headers["retry-after"] = str(retry_after or 60)
            return resp
        who = f"user ID {req.user.github_id}" if req.user and req.user.github_id else "127.0.0.1"
        resp = self.error(403, f"API rate limit exceeded for {who}. (But here's the good news: Authenticated "
                               "requests get a higher rate limit. Check out the documentation for more details.)")
        if retry_after:
            resp.headers["retry-after"] = str(retry_after)
        return resp

    def limit_headers(self, budget: Budget, resource: str, now: float) -> dict[str, str]:
        """x-ratelimit-* on every response."""
        return {
            "x-ratelimit-limit": str(budget.limit), "x-ratelimit-remaining": str(budget.remaining),
            "x-ratelimit-used": str(budget.used), "x-ratelimit-reset": str(int(budget.reset_at)),
            "x-ratelimit-resource": resource,
        }

    # ---- shapes ----------------------------------------------------------------------------------
    def user_json(self, req: Request, user: SimUser | None, *, detail: bool = False) -> dict[str, Any]:
        """A simple user (or the full profile with detail=True)."""
        if user is None or user.github_id is None:
            user = GHOST
        login, uid, api = user.github_login, user.github_id, req.api_root
        data: dict[str, Any] = {
            "login": login, "id": uid, "node_id": f"U_kgDO{uid:08d}",
            "avatar_url": f"{req.base}/github/avatars/u/{uid}?v=4", "gravatar_id": "",
            "url": f"{api}/users/{login}", "html_url": f"{req.web_root}/{login}",
            "repos_url": f"{api}/users/{login}/repos", "type": "Bot" if user.is_bot else "User",
            "user_view_type": "public", "site_admin": False,
        }
        if detail:
            data.update({
                "name": user.name or None, "company": None, "blog": "", "location": None,
                "email": user.email or None, "hireable": None, "bio": None, "twitter_username": None,
                "public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
                "created_at": "2020-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            })
        return data

    def owner_json(self, req: Request, repo: SimRepo) -> dict[str, Any]:
        """A repository owner: a user, or an organisation."""
        if repo.owner_is_user:
            return self.user_json(req, req.world.users.get(repo.owner))
        oid = req.world.org_id("github", repo.owner)
        return {
            "login": repo.owner, "id": oid, "node_id": f"O_kgDO{oid:08d}",
            "avatar_url": f"{req.base}/github/avatars/u/{oid}?v=4", "gravatar_id": "",
            "url": f"{req.api_root}/users/{repo.owner}", "html_url": f"{req.web_root}/{repo.owner}",
            "type": "Organization", "user_view_type": "public", "site_admin": False,
        }

    def repo_json(self, req: Request, repo: SimRepo, *, detail: bool = False) -> dict[str, Any]:
        """A repository (with parent/source for forks when detail=True)."""
        api = f"{req.api_root}/repos/{repo.path}"
        mirror = req.world.repo_by_spec(repo.mirror_of) if repo.mirror_of else None
        data: dict[str, Any] = {
            "id": repo.id, "node_id": f"R_kgDO{repo.id:08d}", "name": repo.name, "full_name": repo.path,
            "private": False, "owner": self.owner_json(req, repo), "html_url": f"{req.web_root}/{repo.path}",
            "description": repo.description or None, "fork": repo.fork_of is not None, "url": api,
            "pulls_url": api + "/pulls{/number}", "issues_url": api + "/issues{/number}",
            "created_at": github_time(repo.created_at), "updated_at": github_time(repo.created_at),
            "pushed_at": github_time(repo.created_at), "homepage": None, "size": 1024,
            "stargazers_count": stable_int(repo.path, mod=50000), "watchers_count": 0, "language": "Python",
            "forks_count": 0, "archived": False, "disabled": False, "open_issues_count": 0, "license": None,
            "topics": [], "visibility": "public", "default_branch": repo.default_branch,
            "mirror_url": f"{req.base}/{mirror.platform}/{mirror.path}.git" if mirror else None,
        }
        if detail and repo.fork_of:
            parent = req.world.repo_by_spec(repo.fork_of)
            if parent is not None and parent.platform == "github":
                data["parent"] = data["source"] = self.repo_json(req, parent)
        return data

    def label_json(self, req: Request, repo_path: str, name: str) -> dict[str, Any]:
        """A label object."""
        lid = stable_int(repo_path, name)
        return {"id": lid, "node_id": f"LA_kwDO{lid:08d}", "url": f"{req.api_root}/repos/{repo_path}/labels/{name}",
                "name": name, "color": f"{stable_int(name, mod=0xFFFFFF):06x}", "default": False,
                "description": None}

    def association(self, req: Request, pull: SimPull, repo: SimRepo) -> str:
        """author_association as GitHub computes it (approximately)."""
        if repo.owner_is_user and repo.owner == pull.author:
            return "OWNER"
        return "CONTRIBUTOR" if pull.state == "merged" else "NONE"

    def pull_json(self, req: Request, pull: SimPull, repo: SimRepo, *, detail: bool = False) -> dict[str, Any]:
        """A pull as listed (detail=True adds merged, merged_by, sizes and counts)."""
        api = f"{req.api_root}/repos/{repo.path}"
        url, html = f"{api}/pulls/{pull.number}", f"{req.web_root}/{repo.path}/pull/{pull.number}"
        author = req.world.users.get(pull.author)
        repo_small = self.repo_json(req, repo)

        def ref(name: str, sha: str) -> dict[str, Any]:
            return {"label": f"{repo.owner}:{name}", "ref": name, "sha": sha,
                    "user": repo_small["owner"], "repo": repo_small}

        data: dict[str, Any] = {
            "url": url, "id": pull.id, "node_id": f"PR_kwDO{pull.id:010d}", "html_url": html,
            "diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": f"{api}/issues/{pull.number}",
            "number": pull.number, "state": "open" if pull.state == "open" else "closed", "locked": False,
            "title": pull.title, "user": self.user_json(req, author), "body": None,
            "created_at": github_time(pull.created_at), "updated_at": github_time(pull.updated_at),
            "closed_at": github_time(pull.closed_at), "merged_at": github_time(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha, "assignee": None, "assignees": [],
            "requested_reviewers": [], "requested_teams": [],
            "labels": [self.label_json(req, repo.path, name) for name in pull.labels], "milestone": None,
            "draft": False, "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "statuses_url": f"{api}/statuses/{pull.head_sha}",
            "head": ref(pull.head_ref, pull.head_sha),
            "base": ref(pull.base_ref, fake_sha(repo.path, pull.base_ref, pull.number)),
            "_links": {"self": {"href": url}, "html": {"href": html}},
            "author_association": self.association(req, pull, repo), "auto_merge": None,
            "active_lock_reason": None,
        }
        if detail:
            merger = req.world.users.get(pull.merged_by) if pull.merged_by else None
            data.update({
                "merged": pull.state == "merged", "mergeable": None if pull.state != "open" else True,
                "rebaseable": None, "mergeable_state": "unknown" if pull.state != "open" else "clean",
                "merged_by": self.user_json(req, merger) if pull.state == "merged" and merger else None,
                "comments": stable_int(pull.id, mod=7), "review_comments": stable_int(pull.id, 1, mod=5),
                "maintainer_can_modify": False, "commits": 1 + stable_int(pull.id, 2, mod=6),
                "additions": pull.additions, "deletions": pull.deletions, "changed_files": pull.changed_files,
            })
        return data

    def issue_json(self, req: Request, pull: SimPull, repo: SimRepo) -> dict[str, Any]:
        """The issue side of a pull (what /search/issues and /issues/{n} return)."""
        api = f"{req.api_root}/repos/{repo.path}"
        html = f"{req.web_root}/{repo.path}/pull/{pull.number}"
        iid = pull.id + ISSUE_ID_OFFSET
        return {
            "url": f"{api}/issues/{pull.number}", "repository_url": api,
            "labels_url": f"{api}/issues/{pull.number}/labels{{/name}}",
            "comments_url": f"{api}/issues/{pull.number}/comments", "html_url": html, "id": iid,
            "node_id": f"PR_kwDO{pull.id:010d}", "number": pull.number, "title": pull.title,
            "user": self.user_json(req, req.world.users.get(pull.author)),
            "labels": [self.label_json(req, repo.path, name) for name in pull.labels],
            "state": "open" if pull.state == "open" else "closed", "locked": False, "assignee": None,
            "assignees": [], "milestone": None, "comments": stable_int(pull.id, mod=7),
            "created_at": github_time(pull.created_at), "updated_at": github_time(pull.updated_at),
            "closed_at": github_time(pull.closed_at), "author_association": self.association(req, pull, repo),
            "active_lock_reason": None, "draft": False,
            "pull_request": {"url": f"{api}/pulls/{pull.number}", "html_url": html, "diff_url": html + ".diff",
                             "patch_url": html + ".patch", "merged_at": github_time(pull.merged_at)},
            "body": None, "state_reason": "completed" if pull.state == "merged" else None, "score": 1.0,
        }

    # ---- handlers --------------------------------------------------------------------------------
    def _repo(self, req: Request) -> SimRepo:
        repo = req.world.repo("github", f"{req.params['owner']}/{req.params['repo']}")
        if repo is None:
            raise HttpError(404, self.error(404).body)
        return repo

    def _user_or_404(self, user: SimUser | None) -> SimUser:
        if user is None:
            raise HttpError(404, self.error(404).body)
        return user

    def get_authenticated_user(self, req: Request) -> Response:
        """GET /user."""
        if req.token is None:
            raise HttpError(401, self.error(401, "Requires authentication").body)
        return Response(200, self.user_json(req, require_user(req, self), detail=True))

    def get_user(self, req: Request) -> Response:
        """GET /users/{login} (an organisation answers too, as on GitHub)."""
        login = req.params["login"]
        user = req.world.user_by_login("github", login)
        if user is None:
            org = next((r for r in req.world.repos_on("github")
                        if not r.owner_is_user and r.owner.lower() == login.lower()), None)
            if org is not None:
                return Response(200, {**self.owner_json(req, org), "name": org.owner, "public_repos": 0,
                                      "created_at": "2020-01-01T00:00:00Z"})
        return Response(200, self.user_json(req, self._user_or_404(user), detail=True))

    def get_user_by_id(self, req: Request) -> Response:
        """GET /user/{id}."""
        uid = req.params["uid"]
        user = req.world.user_by_id("github", int(uid)) if uid.isdigit() else None
        return Response(200, self.user_json(req, self._user_or_404(user), detail=True))

    def get_repo(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}."""
        return Response(200, self.repo_json(req, self._repo(req), detail=True))

    def list_pulls(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}/pulls with state, sort, direction, page, per_page."""
        repo = self._repo(req)
        state = req.arg("state", "open")
        if state not in ("open", "closed", "all"):
            raise HttpError(422, self.error(422).body)
        sort = req.arg("sort", "created")
        if sort not in ("created", "updated", "popularity", "long-running"):
            raise HttpError(422, self.error(422).body)
        direction = req.arg("direction") or ("desc" if sort == "created" else "asc")
        states = filter_states("closed_or_merged" if state == "closed" else state)
        pulls = listing(req.world, "github", repo.path, states, sort, direction == "desc")
        per_page, page = req.int_arg("per_page", 30, 1, 100), req.int_arg("page", 1)
        chunk, last = paginate(pulls, page, per_page)
        headers = {}
        if last > 1:
            headers["Link"] = link_header(req, page, last, None, ("prev", "next", "last", "first"))
        return Response(200, [self.pull_json(req, p, repo) for p in chunk], headers)

    def get_pull(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}/pulls/{number}."""
        repo = self._repo(req)
        number = req.params["number"]
        pull = req.world.pull("github", repo.path, int(number)) if number.isdigit() else None
        if pull is None:
            raise HttpError(404, self.error(404).body)
        return Response(200, self.pull_json(req, pull, repo, detail=True))

    def get_issue(self, req: Request) -> Response:
        """GET /repos/{owner}/{repo}/issues/{number} (only pulls exist here)."""
        repo = self._repo(req)
        number = req.params["number"]
        pull = req.world.pull("github", repo.path, int(number)) if number.isdigit() else None
        if pull is None:
            raise HttpError(404, self.error(404).body)
        return Response(200, self.issue_json(req, pull, repo))

    def search(self, req: Request) -> Response:
        """GET /search/issues (see github_search for the query language)."""
        return search_issues(self, req)

    def rate_limit(self, req: Request) -> Response:
        """GET /rate_limit: free, like GitHub's."""
        budgets = req.sim.budgets
        limit = req.sim.declared_limit("github", req.token)
        token = req.sim.budget_key(req.token)
        out = {}
        for resource in ("core", "search"):
            b = budgets.get("github", token, resource, limit)
            out[resource] = {"limit": b.limit, "used": b.used, "remaining": b.remaining,
                             "reset": int(b.reset_at), "resource": resource}
        return Response(200, {"resources": out, "rate": out["core"]}, free=True)
