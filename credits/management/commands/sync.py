"""manage.py sync [--platform P] [--repository SPEC] [--student ID] [--wait [--max-wait S]]: enqueue or run."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from celery import current_app
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import ForgeIdentity, StudentProfile
from accounts.platforms import Platform, SpecError, parse_repository, spec_message
from config.commands import LocalizedCommand
from credits.models import Repository
from credits.services.sync import SyncReport
from credits.services.sync_run import SyncGaveUp, sync_to_completion
from credits.tasks import evaluations_enqueue, sync_identity, sync_repository


@contextmanager
def held_logs():
    """Collect WARNING and worse log lines instead of printing them; quieter ones are dropped meanwhile."""
    lines: list[str] = []

    class _Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [_Hold()]
    try:
        yield lines
    finally:
        root.handlers = saved


class Command(LocalizedCommand):
    help = "Sync registry repositories (or one student's identities); --wait runs here and reports."

    def add_arguments(self, parser):
        parser.add_argument("--platform", choices=Platform.values)
        parser.add_argument("--repository", help="PLATFORM:PATH of one registry repository")
        parser.add_argument("--student", help="student id: backfill that student's linked identities")
        parser.add_argument("--wait", action="store_true", help="run now, show progress and a final report")
        parser.add_argument("--max-wait", type=float, default=900.0, metavar="SECONDS",
                            help="with --wait: the longest rate-limit reset worth waiting for (default 900)")

    def handle(self, *args, platform=None, repository=None, student=None, wait=False, max_wait=900.0, **options):
        jobs = self._jobs(platform, repository, student)
        if not jobs:
            raise CommandError(_("nothing to sync: no matching active repository or linked identity"))
        if not wait:
            for kind, pk, _label in jobs:
                (sync_repository if kind == "repository" else sync_identity).delay(pk)
            if current_app.conf.task_always_eager:  # no broker: .delay() ran each one right here
                self.stdout.write(ngettext("ran %(n)d sync (no broker: in this process)",
                                           "ran %(n)d syncs (no broker: in this process)", len(jobs))
                                  % {"n": len(jobs)})
            else:
                self.stdout.write(_("enqueued %(n)d sync task(s)") % {"n": len(jobs)})
            return
        per_forge: dict[str, SyncReport] = {}
        failures: list[str] = []
        waited = 0.0
        # Log lines (the services', the forge clients') would cut the progress bar: hold them until it ends.
        with held_logs() as held:
            for done, (kind, pk, label) in enumerate(jobs, start=1):
                self._progress(done - 1, len(jobs), label)

                def on_wait(what: str, seconds: float, label=label) -> None:
                    nonlocal waited
                    waited += seconds
                    self.stdout.write("\n  " + _("%(label)s: waiting %(seconds).1f s for %(what)s")
                                      % {"label": label, "seconds": seconds, "what": what})

                try:
                    report = sync_to_completion(kind=kind, pk=pk, max_wait=max_wait, on_wait=on_wait,
                                                on_report=_evaluate)  # as the tasks do: re-evaluate
                except SyncGaveUp as exc:
                    failures.append(f"{label}: {exc.reason}")
                    continue
                per_forge.setdefault(label.split(":", 1)[0], SyncReport(subject="total")).merge(report)
            self._progress(len(jobs), len(jobs), pgettext("sync progress", "done"), final=True)
        for line in held:
            self.stderr.write(line)
        if waited:
            self.stdout.write(_("waited %(seconds).1f s in all for rate limits and transient faults")
                              % {"seconds": waited})
        self._report(per_forge, len(jobs), failures)

    def _report(self, per_forge: dict[str, SyncReport], ran: int, failures: list[str]) -> None:
        """One line per forge (PRs, requests spent, budget left), then how many syncs ran."""
        for forge, total in sorted(per_forge.items()):
            left = pgettext("rate limit", "unknown") if total.rate_remaining is None else total.rate_remaining
            self.stdout.write(_("%(forge)s PRs seen: %(seen)d  stored: %(stored)d  requests spent: %(spent)d  "
                                "rate limit left: %(left)s")
                              % {"forge": f"{forge:<7}", "seen": total.pulls_seen, "stored": total.stored,
                                 "spent": total.requests_spent, "left": left})
        if failures:
            self.stdout.write(ngettext("ran %(n)d sync, %(failed)d failed", "ran %(n)d syncs, %(failed)d failed", ran)
                              % {"n": ran, "failed": len(failures)})
            raise CommandError(_("some syncs failed:") + "\n  " + "\n  ".join(failures))
        self.stdout.write(ngettext("ran %(n)d sync", "ran %(n)d syncs", ran) % {"n": ran})

    def _jobs(self, platform, repository, student) -> list[tuple[str, int, str]]:
        if student:
            if not StudentProfile.objects.filter(student_id=student).exists():
                raise CommandError(_("no student with student id %(id)r") % {"id": student})
            identities = ForgeIdentity.objects.filter(user__student__student_id=student, unlinked_at__isnull=True)
            if platform:
                identities = identities.filter(platform=platform)
            if not identities.exists():
                missing = (_("student %(id)r has no linked %(platform)s identity") if platform
                           else _("student %(id)r has no linked forge identity"))
                raise CommandError(missing % {"id": student, "platform": platform})
            return [("identity", i.pk, str(i)) for i in identities]
        repositories = Repository.objects.filter(active=True)
        if repository:
            try:
                parsed = parse_repository(repository)
            except SpecError as exc:
                raise CommandError(spec_message(exc)) from exc
            # A numeric path is a forge id (GitLab projects are often given that way): same registry entry.
            key = ({"external_id": parsed.external_id} if parsed.external_id is not None
                   else {"path__iexact": parsed.path})
            repositories = repositories.filter(platform=parsed.platform, **key)
            if not repositories.exists():
                raise CommandError(_("%(spec)s is not an active registry repository (add_repository first)")
                                   % {"spec": repository})
        if platform:
            repositories = repositories.filter(platform=platform)
        return [("repository", r.pk, r.spec) for r in repositories]

    def _progress(self, done: int, total: int, label: str, *, final: bool = False) -> None:
        """Redraw the bar in place on a terminal; elsewhere (a log, a pipe) print only the finished bar."""
        tty = self.stdout.isatty()
        if not (tty or final):
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:50]}"
        self.stdout.write(f"\r{bar:<90}" if tty else bar, ending="\n" if final else "")
        self.stdout.flush()


def _evaluate(report: SyncReport) -> None:
    """New contributions may change credit: re-evaluate the students concerned, as the tasks do."""
    evaluations_enqueue(contribution_ids=report.contribution_ids)
