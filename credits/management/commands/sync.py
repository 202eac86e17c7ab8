"""manage.py sync [--platform P] [--repository SPEC] [--student ID] [--wait [--max-wait S]]: enqueue or run."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from celery import current_app
from django.core.management.base import CommandError

from accounts.models import ForgeIdentity, StudentProfile
from accounts.platforms import Platform, SpecError, parse_repository
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
            raise CommandError("nothing to sync: no matching active repository or linked identity")
        if not wait:
            for kind, pk, _ in jobs:
                (sync_repository if kind == "repository" else sync_identity).delay(pk)
            if current_app.conf.task_always_eager:  # no broker: .delay() ran each one right here
                self.stdout.write(f"ran {len(jobs)} sync{'s' if len(jobs) != 1 else ''} (no broker: in this process)")
            else:
                self.stdout.write(f"enqueued {len(jobs)} sync task(s)")
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
                    self.stdout.write(f"\n  {label}: waiting {seconds:.1f} s for {what}")

                try:
                    report = sync_to_completion(kind=kind, pk=pk, max_wait=max_wait, on_wait=on_wait,
                                                on_report=_evaluate)  # as the tasks do: re-evaluate
                except SyncGaveUp as exc:
                    failures.append(f"{label}: {exc.reason}")
                    continue
                per_forge.setdefault(label.split(":", 1)[0], SyncReport(subject="total")).merge(report)
            self._progress(len(jobs), len(jobs), "done", final=True)
        for line in held:
            self.stderr.write(line)
        if waited:
            self.stdout.write(f"waited {waited:.1f} s in all for rate limits and transient faults")
        self._report(per_forge, len(jobs), failures)

    def _report(self, per_forge: dict[str, SyncReport], ran: int, failures: list[str]) -> None:
        """One line per forge (PRs, requests spent, budget left), then how many syncs ran."""
        for forge, total in sorted(per_forge.items()):
            left = "unknown" if total.rate_remaining is None else total.rate_remaining
            self.stdout.write(f"{forge:<7} PRs seen: {total.pulls_seen}  stored: {total.stored}  "
                              f"requests spent: {total.requests_spent}  rate limit left: {left}")
        self.stdout.write(f"ran {ran} sync{'s' if ran != 1 else ''}"
                          f"{f', {len(failures)} failed' if failures else ''}")
        if failures:
            raise CommandError("some syncs failed:\n  " + "\n  ".join(failures))

    def _jobs(self, platform, repository, student) -> list[tuple[str, int, str]]:
        if student:
            if not StudentProfile.objects.filter(student_id=student).exists():
                raise CommandError(f"no student with student id {student!r}")
            identities = ForgeIdentity.objects.filter(user__student__student_id=student, unlinked_at__isnull=True)
            if platform:
                identities = identities.filter(platform=platform)
            if not identities.exists():
                raise CommandError(f"student {student!r} has no linked {platform or 'forge'} identity")
            return [("identity", i.pk, str(i)) for i in identities]
        repositories = Repository.objects.filter(active=True)
        if repository:
            try:
                parsed = parse_repository(repository)
            except SpecError as exc:
                raise CommandError(str(exc)) from exc
            # A numeric path is a forge id (GitLab projects are often given that way): same registry entry.
            key = ({"external_id": parsed.external_id} if parsed.external_id is not None
                   else {"path__iexact": parsed.path})
            repositories = repositories.filter(platform=parsed.platform, **key)
            if not repositories.exists():
                raise CommandError(f"{repository} is not an active registry repository (add_repository first)")
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
