"""`evaluate_credits --term T` (re)builds the draft credit records of a term."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.models import Term
from credits.services.evaluation import term_evaluate
from credits.services.policies import NoPolicyForTerm


class Command(LocalizedCommand):
    help = "Evaluate every student's credit for a term; drafts are refreshed, decided records never change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--term", required=True, help="term code, e.g. 2026-autumn")
        parser.add_argument("--student", action="append", default=[], metavar="USERNAME",
                            help="only this student (repeatable; a username or a student id)")

    def handle(self, *args, term: str, student: list[str], **options) -> None:
        found = Term.objects.filter(code=term).first()
        if found is None:
            known = ", ".join(Term.objects.values_list("code", flat=True)) or _("none yet")
            raise CommandError(_("no term %(term)r (known terms: %(known)s)") % {"term": term, "known": known})
        student_ids = self._students(student) if student else None
        try:
            report = term_evaluate(term=found, student_ids=student_ids)
        except NoPolicyForTerm as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(str(report)))

    def _students(self, names: list[str]) -> list[int]:
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        users = get_user_model().objects.filter(Q(username__in=names) | Q(student__student_id__in=names))
        rows = list(users.values_list("id", "username", "student__student_id"))
        # Every name must match someone: a typo must not silently shrink the run to the names that did.
        matched = {name for _, username, student_id in rows for name in (username, student_id)}
        unknown = [name for name in dict.fromkeys(names) if name not in matched]
        if unknown:
            raise CommandError(_("no such student: %(names)s; nothing was evaluated") % {"names": ", ".join(unknown)})
        return sorted({user_id for user_id, _, _ in rows})
