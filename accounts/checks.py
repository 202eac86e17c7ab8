"""System checks on existing accounts: spellings that collide after normalisation, unaudited superusers.

Tagged `database` (they read rows): `migrate` runs them, and `manage.py check --database default` does.
"""
from __future__ import annotations

from collections import defaultdict

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from .identifiers import normalize_student_id, normalize_username


def _collisions(values, normalise) -> list[list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for value in values:
        groups[normalise(value)].append(value)
    return [sorted(spellings) for spellings in groups.values() if len(spellings) > 1]


@register(Tags.database)
def colliding_accounts(app_configs=None, databases=None, **kwargs) -> list:
    """accounts.W001: accounts (or student ids) that are one after normalisation; reported, never merged."""
    # A warning, not an error: `migrate` runs database checks and must still run while the rows are fixed.
    if not databases:
        return []
    from .models import StudentProfile, User

    try:
        users = _collisions(User.objects.values_list("username", flat=True), normalize_username)
        ids = _collisions(StudentProfile.objects.values_list("student_id", flat=True),
                          normalize_student_id)
    except DatabaseError:  # tables not migrated yet
        return []
    hint = ("Sign-in treats these spellings as one account; rename or deactivate all but one "
            "(the admin's user page), then run the check again.")
    return (
        [Warning(f"usernames {', '.join(map(repr, group))} are one account after normalisation", hint=hint,
               id="accounts.W001") for group in users]
        + [Warning(f"student ids {', '.join(map(repr, group))} are one student after normalisation", hint=hint,
                 id="accounts.W001") for group in ids]
    )


@register(Tags.database)
def unaudited_superusers(app_configs=None, databases=None, **kwargs) -> list:
    """accounts.W002: a superuser whose privilege no audit row records (made outside grant_role)."""
    if not databases:
        return []
    from credits.models import AuditEvent

    from .models import User

    try:
        recorded = set(AuditEvent.objects.filter(action="role_grant", to_status="superuser", subject_type="user")
                       .values_list("subject_id", flat=True))
        superusers = list(User.objects.filter(is_superuser=True).values_list("pk", "username"))
    except DatabaseError:
        return []
    return [
        Warning(f"superuser {username!r} has no audit row for becoming one",
                hint=f"If this is intended, record it: manage.py grant_role {username} superuser; "
                     f"otherwise take it away: manage.py grant_role --revoke {username} superuser.",
                id="accounts.W002")
        for pk, username in superusers if str(pk) not in recorded
    ]
