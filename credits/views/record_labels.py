"""Human names for what the record page lists: each line's rule and each history row's action, status and stage."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credits.models import RecordStatus
from credits.rules.explain import rule_label

ACTIONS = {
    "credit_record_create": pgettext_lazy("history", "evaluated"),
    "credit_record_refresh": _("re-evaluated"),
    "credit_adjustment_create": _("adjustment drafted"),
    "credit_adjustment_refresh": _("adjustment re-evaluated"),
    "credit_adjustment_withdraw": _("adjustment withdrawn"),
    "record_submit": _("submitted"),
    "record_withdraw": _("withdrawn by the student"),
    "record_approve": _("approved"),
    "record_return": _("returned to the student"),
    "record_reject": _("rejected"),
    "record_adjust": _("credits adjusted"),
    "record_object": _("objection filed"),
    "record_notice_close": _("public notice closed"),
    "record_revoke": _("revoked"),
    "record_refused": _("action refused"),
    "credit_revocation_create": _("revocation booked for the next export"),
}

# Reasons the system itself writes (people's reasons are shown as written).
SYSTEM_REASONS = {"re-evaluation": _("automatic evaluation")}


def status_name(value: str) -> str:
    """A record status by its name in the active language; an unknown value as stored."""
    return RecordStatus(value).label if value in RecordStatus.values else value


def label_lines(lines, policy, language: str) -> list:
    """The record's lines, each with `rule_name`."""
    lines = list(lines)
    for line in lines:
        line.rule_name = rule_label(policy, line.rule, language)
    return lines


def label_history(events, stages: dict[str, str]) -> list:
    """Audit rows, each with `action_name`, `from_name`/`to_name` (statuses) and stage names."""
    events = list(events)
    for event in events:
        event.action_name = ACTIONS.get(event.action, event.action)
        if event.actor_id is None and event.reason in SYSTEM_REASONS:
            event.reason = SYSTEM_REASONS[event.reason]
        event.from_name = status_name(event.from_status)
        event.to_name = status_name(event.to_status)
        data = event.data or {}
        event.from_stage_name = stages.get(data.get("from_stage") or "", data.get("from_stage") or "")
        event.to_stage_name = stages.get(data.get("to_stage") or "", data.get("to_stage") or "")
    return events
