"""The student's pages: home (accounts, sync now, standing, chart) and the paginated contributions list."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from accounts.platforms import Platform
from credits.selectors import portal
from credits.selectors.contributions import own_contributions
from credits.selectors.next_step import next_step

PAGE_SIZE = 25
RECENT = 10  # contributions the home page lists; the contributions page pages through the rest
OUTCOMES = ("credited", "refused", "pending", "none")
RUN_STALE_AFTER = dt.timedelta(minutes=30)  # a run started longer ago than this is presumed lost


def student_home(request: HttpRequest) -> HttpResponse:
    """Home for a student: linked accounts, where their credit stands, merged contributions by month."""
    term = portal.current_term()
    version, policy = portal.policy_for(term)
    chart = portal.monthly_merged(request.user)
    standing = portal.standing_of(request.user, term=term, policy=policy)
    chinese = (get_language() or "").startswith("zh")
    context = {
        "accounts": list(portal.linked_accounts(request.user)),
        "recent": list(own_contributions(request.user)[:RECENT]),
        "standing": standing,
        "next_step": next_step(standing.record, chinese=chinese) if standing.record else "",
        "policy": policy,
        "chart": chart,
        "chart_data": {"labels": chart["labels"], "series": chart["series"],
                       "names": {k: str(v) for k, v in Platform.choices}},
        "chinese": chinese,
    }
    return render(request, "credits/student_home.html", context)


def _progress_context(request: HttpRequest, since) -> dict:
    accounts = list(portal.linked_accounts(request.user))
    rows, running = [], False
    for identity in accounts:
        state = getattr(identity, "sync_state", None)
        started = state.last_started_at if state else None
        finished = state.last_finished_at if state else None
        if finished and finished >= since and (not started or finished >= started):
            phase = "done" if state.last_status != "error" else "error"
        elif started and started >= since:
            phase, running = "running", True
        else:
            phase, running = "queued", True
        rows.append({"identity": identity, "state": state, "phase": phase})
    return {"rows": rows, "running": running, "since": since.isoformat()}


def _running(identity, now) -> bool:
    state = getattr(identity, "sync_state", None)
    if state is None or state.last_started_at is None:
        return False
    finished = state.last_finished_at is not None and state.last_finished_at >= state.last_started_at
    return not finished and now - state.last_started_at < RUN_STALE_AFTER


@require_POST
@login_required
def sync_now(request: HttpRequest) -> HttpResponse:
    """Enqueue a backfill of each of the person's linked accounts; answer with the progress fragment."""
    from credits.tasks import sync_identity

    since = timezone.now()
    # An account whose run is still going is not queued again: repeated clicks never pile up work.
    ids = [identity.pk for identity in portal.linked_accounts(request.user) if not _running(identity, since)]
    for identity_id in ids:
        transaction.on_commit(lambda i=identity_id: sync_identity.delay(i))
    return render(request, "credits/_sync_progress.html", _progress_context(request, since))


@require_GET
@login_required
def sync_progress(request: HttpRequest) -> HttpResponse:
    """The progress fragment htmx polls until every account's run since `since` has finished."""
    since = parse_datetime(request.GET.get("since", "")) or timezone.now()
    context = _progress_context(request, since)
    response = render(request, "credits/_sync_progress.html", context)
    if not context["running"]:
        response["HX-Trigger"] = "sync-finished"
    return response


@require_GET
@login_required
def my_contributions(request: HttpRequest) -> HttpResponse:
    """Every contribution of the person, 25 a page, filterable by repository, forge and outcome."""
    repository = request.GET.get("repository", "").strip()
    platform = request.GET.get("platform", "") if request.GET.get("platform") in Platform.values else ""
    outcome = request.GET.get("outcome", "") if request.GET.get("outcome") in OUTCOMES else ""
    rows = portal.contributions_page_rows(request.user, repository=repository, platform=platform, outcome=outcome)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page, "repository": repository, "platform": platform, "outcome": outcome,
        "repositories": portal.repositories_of(request.user), "platforms": Platform.choices,
        "query": query.urlencode(), "chinese": (get_language() or "").startswith("zh"),
    }
    return render(request, "credits/my_contributions.html", context)
