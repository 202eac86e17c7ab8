"""manage.py setup_periodic_tasks: install the beat schedules (idempotent)."""
from __future__ import annotations

from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.commands import LocalizedCommand

SCHEDULES = [
    # (name, task, every N minutes)
    ("xuefen: hourly repository sync", "credits.tasks.sync_all_repositories", 60),
    ("xuefen: overdue-sync sweep", "credits.tasks.sync_overdue_repositories", 30),
    # Contributions mature days after their merge with no sync to notice: re-evaluate open terms daily.
    ("xuefen: daily credit evaluation", "credits.evaluate_open_terms", 24 * 60),
]


class Command(LocalizedCommand):
    help = "Install or refresh Xuefen's periodic tasks for django-celery-beat."

    def handle(self, *args, **options):
        for name, task, minutes in SCHEDULES:
            interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
            _, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "interval": interval, "enabled": True}
            )
            self.stdout.write(f"{'installed' if created else 'updated'} {name} ({task}, every {minutes} min)")
