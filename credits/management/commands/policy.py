"""`policy validate FILE` checks a policy; `policy load FILE` publishes it; `policy list` / `policy diff A B` read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from config.commands import LocalizedCommand, decode_reason, os_reason
from credits.models import PolicyVersion
from credits.rules import PolicyError
from credits.rules.document import MAX_BYTES
from credits.selectors.policies import policy_diff
from credits.services.policies import policy_publish, policy_validate


def dates(start, until) -> str:
    """A version's days as `policy list` shows them: FROM..UNTIL, or FROM..open (in the run's language)."""
    return f"{start}..{until or pgettext('policy dates', 'open')}"


class Command(LocalizedCommand):
    help = "Validate or publish a credit policy YAML file (nothing is published when any check fails)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (("validate", "check a policy file"), ("load", "check and publish a policy file")):
            action = sub.add_parser(name, help=text)
            action.add_argument("file", help="path to the policy YAML")
        sub.add_parser("list", help="list published versions")
        diff = sub.add_parser("diff", help="settings that differ between two published versions")
        diff.add_argument("old", help="version label")
        diff.add_argument("new", help="version label")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            return self._list()
        if action == "diff":
            return self._diff(options["old"], options["new"])
        self._file(action, options["file"])

    def _list(self) -> None:
        """Each version with the day it really ends (its own end, else the day before the next one starts)
        and its publication time in the configured time zone."""
        versions = list(PolicyVersion.objects.order_by("effective_from", "id"))
        zone = timezone.get_current_timezone_name()
        self.stdout.write(_("version\teffective\tcourse\tpublished (%(zone)s)\tsource") % {"zone": zone})
        if not versions:  # zip() below needs at least one (its follower list is one longer otherwise)
            self.stdout.write(_("no published policy version yet"))
            return
        for v, following in zip(versions, [*versions[1:], None], strict=True):
            ends = v.effective_until or (following.effective_from - timedelta(days=1) if following else None)
            published = timezone.localtime(v.published_at)
            self.stdout.write(f"{v.version}\t{dates(v.effective_from, ends)}\t{v.course_code}\t"
                              f"{published:%Y-%m-%d %H:%M %Z}\t{v.source_name}")

    def _diff(self, old: str, new: str) -> None:
        versions = {v.version: v for v in PolicyVersion.objects.filter(version__in=[old, new])}
        missing = [label for label in (old, new) if label not in versions]
        if missing:
            raise CommandError(_("no published version %(versions)s") % {"versions": ", ".join(missing)})
        result = policy_diff(old=versions[old], new=versions[new])
        for key, before, after in result.changes:
            self.stdout.write(f"{key}: {before!r} -> {after!r}")
        if not result.changes:
            self.stdout.write(_("same settings"))

    def _file(self, action: str, file: str) -> None:
        path = Path(file)
        try:
            if path.is_file() and path.stat().st_size > MAX_BYTES:  # refused unread: a policy is a few KB
                raise CommandError(_("%(file)s: the document is too large (at most %(max)d bytes)")
                                   % {"file": file, "max": MAX_BYTES})
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(_("%(file)s: not UTF-8 text (%(error)s at byte %(byte)d)")
                               % {"file": file, "error": decode_reason(exc), "byte": exc.start}) from exc
        except OSError as exc:  # missing, a directory, no permission, an I/O error: say so, no traceback
            raise CommandError(_("%(file)s: cannot read (%(error)s)")
                               % {"file": file, "error": os_reason(exc)}) from exc
        try:
            if action == "validate":
                policy = policy_validate(text=text, source=file)
                self.stdout.write(self.style.SUCCESS(
                    _("%(file)s: valid policy %(version)s (effective from %(day)s, course %(course)s)")
                    % {"file": file, "version": policy.version, "day": policy.effective_from,
                       "course": policy.course.code}))
                return
            result = policy_publish(text=text, source=file)
        except PolicyError as exc:
            # The parser's file:line: field: diagnostics are English by design (the rules engine has no
            # catalogue); the checks against published versions come from the services in the run's language.
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(ngettext("%(file)s: refused with %(n)d problem; nothing was published",
                                        "%(file)s: refused with %(n)d problems; nothing was published",
                                        len(exc.problems)) % {"file": file, "n": len(exc.problems)}) from exc
        version = result.version
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                _("published policy %(version)s from %(file)s (id %(id)s, effective %(dates)s)")
                % {"version": version.version, "file": file, "id": version.id,
                   "dates": dates(version.effective_from, version.effective_until)}))
        else:
            self.stdout.write(_("%(file)s is already published as policy %(version)s (id %(id)s)")
                              % {"file": file, "version": version.version, "id": version.id})
