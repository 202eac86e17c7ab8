"""`policy validate FILE` checks a credit policy; `policy load FILE` publishes it as an immutable version."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credits.rules import PolicyError
from credits.services.policies import policy_publish, policy_validate


class Command(BaseCommand):
    help = "Validate or publish a credit policy YAML file (nothing is published when any check fails)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (("validate", "check a policy file"), ("load", "check and publish a policy file")):
            action = sub.add_parser(name, help=text)
            action.add_argument("file", help="path to the policy YAML")

    def handle(self, *args, action: str, file: str, **options) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        try:
            if action == "validate":
                policy = policy_validate(text=text, source=file)
                self.stdout.write(self.style.SUCCESS(
                    f"{file}: valid policy {policy.version} (effective from {policy.effective_from}, "
                    f"course {policy.course.code})"))
                return
            result = policy_publish(text=text, source=file)
        except PolicyError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            noun = "problem" if len(exc.problems) == 1 else "problems"
            raise CommandError(f"{file}: refused with {len(exc.problems)} {noun}; nothing was published") from exc
        version = result.version
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"published policy {version.version} from {file} (id {version.id}, "
                f"effective {version.effective_from}..{version.effective_until or 'open'})"))
        else:
            self.stdout.write(f"{file} is already published as policy {version.version} (id {version.id})")
