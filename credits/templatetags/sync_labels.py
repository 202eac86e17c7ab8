"""`sync_state`: a sync unit's last status (ok, not_modified, retrying, ...) in words, in the page's language."""
from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATES = {
    "ok": _("up to date"),
    "not_modified": _("unchanged (304)"),
    "running": _("running"),
    "queued": _("queued"),
    "retrying": _("retrying"),
    "error": _("failed"),
    "unlinked": _("unlinked"),
}


@register.filter
def sync_state(value: str) -> str:
    """The state's name; an unknown one as stored, none as a dash."""
    if not value:
        return "—"
    return str(STATES.get(value, value))
