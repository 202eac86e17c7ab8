"""manage.py demo [--no-serve] [--port P]: the offline end-to-end demo on the embedded setup."""
from __future__ import annotations

import logging
import time

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import ForgeIdentity
from config.commands import LocalizedCommand
from credits.demo import credit, report, workflow
from credits.demo import seed as seeding
from credits.demo.export import registrar_export
from credits.demo.forges import celery_worker, point_settings_at
from credits.models import SyncState
from forgesim.generator import generate
from forgesim.server import Simulator


class Command(LocalizedCommand):
    help = "Start forgesim, seed a university, sync through Celery, evaluate credit, print a summary, serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="stop after the summary")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--pulls", type=int, default=3000, help="size of the simulated forges")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, no_serve, port, pulls, seed: int, **options):
        clock = time.monotonic()

        def write(text: str = "") -> None:
            self.stdout.write(f"[{time.monotonic() - clock:6.1f}s] {text}" if text else "")
        logging.getLogger("celery").setLevel(logging.WARNING)  # task-by-task lines would drown the summary
        world = generate(pulls, seed=seed, n_students=40)
        sim = Simulator(world).start(host="127.0.0.1", port=0)
        point_settings_at(sim)
        write(_("forgesim: %(n)d simulated PRs/MRs on GitHub, Gitee and GitLab at %(url)s")
              % {"n": world.pull_count(), "url": sim.url})
        started = timezone.now()
        departments = seeding.departments_seed(world)
        write(_("Seeded %(departments)d departments, %(students)d students (roster import)")
              % {"departments": departments, "students": seeding.roster_seed(world)})
        write(_("Registered %(n)d repositories") % {"n": seeding.registry_seed(world)})
        write(_("Staff accounts: %(accounts)s") % {"accounts": ", ".join(["operator", *seeding.staff_seed()])})
        # The commands the demo runs print in its language, not LANGUAGE_CODE: one language per run.
        lang = ["--lang", translation.get_language()]
        with celery_worker():
            write(_("Linked %(n)d forge identities (each enqueues a backfill)") % {"n": seeding.identities_seed(world)})
            call_command("sync", *lang, stdout=self.stdout)  # hourly-style fan-out, through Celery
            self._wait(started)
            write("")
            report.registry_and_identities(write)
            report.merged_per_student(write, seeding.operator_seed())
            report.api_requests(write, sim.stats(), _("backfill + first sync"))
            sim.reset_stats()
            second = timezone.now()
            call_command("sync", *lang, stdout=self.stdout)
            self._wait(second, identities=False)
            report.api_requests(write, sim.stats(), _("second hourly sync, nothing new: every list answered 304"))
            credit.credit_seed_and_evaluate(write)
            write("")
            workflow.walk_the_loop(write)
            report.invitation_link(write, seeding.students_of(world)[-1].student["student_id"],
                                   f"http://127.0.0.1:{port}")
            registrar_export(write)  # the summary ends with the batch's path
            if no_serve:
                sim.stop()
                return
            write("\n" + _("Sign in at %(url)s as a student id (e.g. %(student)s), 'advisor', 'reviewer', "
                           "'academic_affairs', 'registrar' or 'operator', password '%(password)s'. Ctrl-C stops.")
                  % {"url": f"http://127.0.0.1:{port}/", "student": seeding.students_of(world)[0].student["student_id"],
                     "password": seeding.DEMO_PASSWORD})
            serve_like_production()
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        sim.stop()

    def _wait(self, since, *, identities: bool = True, timeout: float = 600) -> None:
        """Wait until every repository sync (and identity backfill) has finished since `since`."""
        deadline = time.monotonic() + timeout
        pending = Q(last_finished_at__isnull=True) | Q(last_finished_at__lt=since)
        while time.monotonic() < deadline:
            waiting = SyncState.objects.filter(repository__active=True).filter(pending).count()
            if identities:  # every linked identity, including backfills still queued (no state row yet)
                waiting += ForgeIdentity.objects.filter(unlinked_at__isnull=True).exclude(
                    sync_state__last_finished_at__gte=since).count()
            if not waiting:
                return
            time.sleep(0.2)
        raise CommandError(_("sync did not finish within %(timeout).0f s (%(waiting)d still running)")
                           % {"timeout": timeout, "waiting": waiting})


def serve_like_production() -> None:
    """The demo serves production-style error pages (no debug URL list); whitenoise serves the static files."""
    from django.conf import settings

    settings.DEBUG = False
    settings.WHITENOISE_USE_FINDERS = True
