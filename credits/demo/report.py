"""The demo's printed summary: registry, identities, merged PRs per student, API requests, credit."""
from __future__ import annotations

import unicodedata

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import ForgeIdentity
from credits.models import Repository
from credits.selectors.registry import merged_counts_by_student


def _width(text) -> int:
    """Columns `text` takes on a terminal: a hanzi takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def _table(write, header: list[str], rows: list[list]) -> None:
    widths = [max(_width(x) for x in col) for col in zip(header, *rows, strict=False)] if rows else []
    for row in [header, *rows] if rows else [header]:
        write("  " + "  ".join(f"{v}{' ' * (w - _width(v))}" for v, w in zip(row, widths or [_width(h) for h in header],
                                                                            strict=False)))


def registry_and_identities(write) -> None:
    """Repositories and linked identities per platform."""
    repos = dict(Repository.objects.filter(active=True).values_list("platform").annotate(n=Count("id")))
    ids = dict(ForgeIdentity.objects.filter(unlinked_at__isnull=True).values_list("platform").annotate(n=Count("id")))
    write(_("Registry: %(n)d repositories (%(per_forge)s)")
          % {"n": sum(repos.values()), "per_forge": ", ".join(f"{p} {n}" for p, n in sorted(repos.items()))})
    write(_("Linked identities: %(n)d (%(per_forge)s)")
          % {"n": sum(ids.values()), "per_forge": ", ".join(f"{p} {n}" for p, n in sorted(ids.items()))})


def merged_per_student(write, viewer, limit: int = 25) -> None:
    """Merged PRs found per student, per forge (mirror copies not counted twice), as `viewer` sees them."""
    rows = list(merged_counts_by_student(viewer))
    write(_("Merged PRs found per student (%(n)d students with contributions; mirrors counted once):")
          % {"n": len(rows)})
    shown = sorted(rows, key=lambda r: (-r["total"], r["identity__user__student__student_id"] or ""))[:limit]
    _table(write, [pgettext("demo table", "student id"), pgettext("demo table", "name"), "github", "gitee", "gitlab",
                   pgettext("demo table", "total")],
           [[r["identity__user__student__student_id"], r["identity__user__student__name"], r["github"], r["gitee"],
             r["gitlab"], r["total"]] for r in shown])
    if len(rows) > limit:
        write("  " + _("... and %(n)d more students") % {"n": len(rows) - limit})


def api_requests(write, stats: dict, label: str) -> None:
    """Requests forgesim answered per platform, how many were 304s, and the rate-limit budget spent."""
    write(_("API requests (%(label)s):") % {"label": label})
    for platform, figures in sorted((stats.get("platforms") or {}).items()):
        write("  " + _("%(platform)s requests %(requests)6d   304 not modified %(not_modified)5d   rate-limit cost "
                       "%(cost)6d") % {"platform": f"{platform:<7}", "requests": figures.get("requests", 0),
                                       "not_modified": figures.get("not_modified", 0),
                                       "cost": figures.get("budget_spent", 0)})


def invitation_link(write, student_id: str, base_url: str) -> None:
    """One set-password link, as invite_users would email it (it works once, then the password is set)."""
    from accounts.models import StudentProfile
    from accounts.services.invitations import invitation_url

    user = StudentProfile.objects.select_related("user").get(student_id=student_id).user
    write(_("Invitation link for student %(student)s (as invite_users emails it; works once): %(url)s")
          % {"student": student_id, "url": invitation_url(user=user, base_url=base_url)})
