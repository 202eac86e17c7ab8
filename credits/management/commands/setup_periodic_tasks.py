"""manage.py setup_periodic_tasks: install the beat schedules (idempotent)."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.commands import LocalizedCommand

SCHEDULES = [
    # (name, task, every N minutes); the names are the schedules' keys in the database: printed as they are.
    ("xuefen: hourly repository sync", "credits.tasks.sync_all_repositories", 60),
    ("xuefen: overdue-sync sweep", "credits.tasks.sync_overdue_repositories", 30),
    # Contributions mature days after their merge with no sync to notice: re-evaluate open terms daily.
    ("xuefen: daily credit evaluation", "credits.evaluate_open_terms", 24 * 60),
    # Public notices end at local midnight; an hourly sweep approves them within the hour.
    ("xuefen: close public notices", "credits.close_public_notices", 60),
    ("xuefen: automatic submission when a window closes", "credits.submit_closed_windows", 24 * 60),
    ("xuefen: reviewer digest", "credits.send_reviewer_digests", 24 * 60),
]


class Command(LocalizedCommand):
    help = "Install or refresh Xuefen's periodic tasks for django-celery-beat."

    def handle(self, *args, **options):
        for name, task, minutes in SCHEDULES:
            interval, _made = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
            _task, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "interval": interval, "enabled": True}
            )
            text = (_("installed %(name)s (%(task)s, every %(minutes)d min)") if created
                    else _("updated %(name)s (%(task)s, every %(minutes)d min)"))
            self.stdout.write(text % {"name": name, "task": task, "minutes": minutes})
