"""manage.py forgesim [--port P] [--scenario FILE] [--generate N --seed S]: run the simulator alone."""
from __future__ import annotations

from config.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = "Run forgesim, the offline GitHub/Gitee/GitLab simulator (no network needed)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8700)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--scenario")
        parser.add_argument("--generate", type=int)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, port, host, scenario, generate, seed, **options):
        from forgesim.__main__ import main

        argv = ["--host", host, "--port", str(port)]
        if scenario:
            argv += ["--scenario", scenario]
        if generate:
            argv += ["--generate", str(generate), "--seed", str(seed)]
        main(argv)
