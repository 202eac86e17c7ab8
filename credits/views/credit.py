"""The student's "my credit" page: every record with each contribution's outcome, reason and the arithmetic."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from credits.models import PolicyVersion, Term
from credits.rules.explain import cap_label, explain_total, outside_terms
from credits.selectors import portal
from credits.selectors.next_step import next_step
from credits.selectors.records import approved_total, own_records

LINES_SHOWN = 100  # a record lists at most this many lines; the contributions page pages through the rest


@login_required
def my_credit(request: HttpRequest) -> HttpResponse:
    """The signed-in student's own credit records, newest term first, explained line by line and in total."""
    language = get_language() or "zh-hans"
    records = list(own_records(request.user)[:20])
    for record in records:
        policy = portal.policy_document(record.policy_version)
        all_lines = list(record.lines.all())
        record.shown_lines = all_lines[:LINES_SHOWN]
        record.hidden_lines = max(0, len(all_lines) - LINES_SHOWN)
        explained = policy is not None and record.kind == "evaluation"
        record.steps = [step.text(language) for step in explain_total(
            policy, line_points=[line.points for line in all_lines if line.outcome == "credited"],
            credits=record.credits, caps_applied=record.caps_applied)] if explained else []
        record.next_step = next_step(record, chinese=language.startswith("zh"))
        record.caps_named = [_cap_name(policy, key, language) if policy else key for key in record.caps_applied]
    uncounted = list(portal.uncounted_contributions(request.user))
    context = {
        "records": records,
        "approved_total": approved_total(request.user, request.user),
        "uncounted": _with_reasons(uncounted, language),
        "chinese": language.startswith("zh"),
    }
    return render(request, "credits/my_credit.html", context)


def _cap_name(policy, key: str, language: str) -> str:
    return cap_label(policy, key.removeprefix("caps."), language)


def _with_reasons(contributions, language: str) -> list[dict]:
    """Each contribution outside every term, with why and when it may still count (two queries at most)."""
    if not contributions:
        return []
    version = PolicyVersion.objects.defer("source_text").order_by("-effective_from").first()
    policy = portal.policy_document(version)
    tz = ZoneInfo(policy.timezone if policy else "Asia/Shanghai")
    days = [c.merged_at.astimezone(tz).date() for c in contributions]
    later = list(Term.objects.filter(starts_on__gt=min(days)).order_by("starts_on")[:50])
    rows = []
    for c, day in zip(contributions, days, strict=True):
        following = next((term for term in later if term.starts_on > day), None)
        step = outside_terms(day, following.code if following else None, following.starts_on if following else None)
        rows.append({"contribution": c, "day": day, "reason": step.text(language)})
    return rows
