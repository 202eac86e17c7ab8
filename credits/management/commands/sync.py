"""manage.py sync [--platform P] [--repository SPEC] [--student ID] [--wait]: enqueue or run a sync."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.models import ForgeIdentity, StudentProfile
from accounts.platforms import Platform, SpecError, split_spec
from credits.forges import ForgeError
from credits.models import Repository
from credits.services.sync import SyncReport, identity_backfill, repository_sync
from credits.tasks import evaluations_enqueue, sync_identity, sync_repository


class Command(BaseCommand):
    help = "Sync registry repositories (or one student's identities); --wait runs here and reports."

    def add_arguments(self, parser):
        parser.add_argument("--platform", choices=Platform.values)
        parser.add_argument("--repository", help="PLATFORM:PATH of one registry repository")
        parser.add_argument("--student", help="student id: backfill that student's linked identities")
        parser.add_argument("--wait", action="store_true", help="run now, show progress and a final report")

    def handle(self, *args, platform=None, repository=None, student=None, wait=False, **options):
        jobs = self._jobs(platform, repository, student)
        if not jobs:
            raise CommandError("nothing to sync: no matching active repository or linked identity")
        if not wait:
            for kind, pk, _ in jobs:
                (sync_repository if kind == "repository" else sync_identity).delay(pk)
            self.stdout.write(f"enqueued {len(jobs)} sync task(s)")
            return
        total, failures = SyncReport(subject="total", not_modified=True), []
        for done, (kind, pk, label) in enumerate(jobs, start=1):
            self._progress(done - 1, len(jobs), label)
            try:
                report = (repository_sync(repository_id=pk) if kind == "repository"
                          else identity_backfill(identity_id=pk))
            except ForgeError as exc:
                failures.append(f"{label}: {exc.message}")
                continue
            evaluations_enqueue(contribution_ids=report.contribution_ids)  # as the tasks do: new work is re-evaluated
            total.merge(report)
        self._progress(len(jobs), len(jobs), "done")
        self.stdout.write("")
        self.stdout.write(
            f"PRs seen: {total.pulls_seen}  stored: {total.stored}  requests spent: {total.requests_spent}  "
            f"rate limit left: {'unknown' if total.rate_remaining is None else total.rate_remaining}"
        )
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
                spec_platform, path = split_spec(repository, what="repository")
            except SpecError as exc:
                raise CommandError(str(exc)) from exc
            # A numeric path is a forge id (GitLab projects are often given that way): same registry entry.
            key = {"external_id": int(path)} if path.isdigit() else {"path__iexact": path}
            repositories = repositories.filter(platform=spec_platform, **key)
            if not repositories.exists():
                raise CommandError(f"{repository} is not an active registry repository (add_repository first)")
        if platform:
            repositories = repositories.filter(platform=platform)
        return [("repository", r.pk, r.spec) for r in repositories]

    def _progress(self, done: int, total: int, label: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        stream = self.stdout
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:50]:<50}", ending="")
        if hasattr(sys.stdout, "flush"):
            stream.flush()
