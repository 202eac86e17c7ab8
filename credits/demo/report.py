"""The demo's printed summary: registry, identities, merged PRs per student, API requests, credit."""
from __future__ import annotations

from django.db.models import Count

from accounts.models import ForgeIdentity
from credits.models import Repository
from credits.selectors.registry import merged_counts_by_student


def _table(write, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)] if rows else []
    for row in [header, *rows] if rows else [header]:
        write("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths or [len(h) for h in header],
                                                                    strict=False)))


def registry_and_identities(write) -> None:
    """Repositories and linked identities per platform."""
    repos = dict(Repository.objects.filter(active=True).values_list("platform").annotate(n=Count("id")))
    ids = dict(ForgeIdentity.objects.filter(unlinked_at__isnull=True).values_list("platform").annotate(n=Count("id")))
    write(f"Registry: {sum(repos.values())} repositories "
          f"({', '.join(f'{p} {n}' for p, n in sorted(repos.items()))})")
    write(f"Linked identities: {sum(ids.values())} ({', '.join(f'{p} {n}' for p, n in sorted(ids.items()))})")


def merged_per_student(write, viewer, limit: int = 25) -> None:
    """Merged PRs found per student, per forge (mirror copies not counted twice), as `viewer` sees them."""
    rows = list(merged_counts_by_student(viewer))
    write(f"Merged PRs found per student ({len(rows)} students with contributions; mirrors counted once):")
    shown = sorted(rows, key=lambda r: (-r["total"], r["identity__user__student__student_id"] or ""))[:limit]
    _table(write, ["student id", "name", "github", "gitee", "gitlab", "total"],
           [[r["identity__user__student__student_id"], r["identity__user__student__name"], r["github"], r["gitee"],
             r["gitlab"], r["total"]] for r in shown])
    if len(rows) > limit:
        write(f"  ... and {len(rows) - limit} more students")


def api_requests(write, stats: dict, label: str) -> None:
    """Requests forgesim answered per platform, how many were 304s, and the rate-limit budget spent."""
    write(f"API requests ({label}):")
    for platform, figures in sorted((stats.get("platforms") or {}).items()):
        write(f"  {platform:<7} requests {figures.get('requests', 0):>6}   304 not modified "
              f"{figures.get('not_modified', 0):>5}   rate-limit cost {figures.get('budget_spent', 0):>6}")


def invitation_link(write, student_id: str, base_url: str) -> None:
    """One set-password link, as invite_users would email it (it works once, then the password is set)."""
    from accounts.models import StudentProfile
    from accounts.services.invitations import invitation_url

    user = StudentProfile.objects.select_related("user").get(student_id=student_id).user
    write(f"Invitation link for student {student_id} (as invite_users emails it; works once): "
          f"{invitation_url(user=user, base_url=base_url)}")
