"""`python -m forgesim --port P [--scenario FILE] [--generate N --seed S]` (also `manage.py forgesim`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from forgesim.generator import generate
from forgesim.scenario import load_scenario
from forgesim.server import Simulator

DEMO_SCENARIO = Path(__file__).parent / "scenarios" / "demo.yaml"


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="forgesim", description="Simulated GitHub, Gitee and GitLab APIs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700, help="0 picks a free port")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--scenario", type=Path, help="YAML or JSON scenario (default: the bundled demo)")
    source.add_argument("--generate", type=int, metavar="N", help="generate a university with N pull requests")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Load or generate a world, print the base URLs, and serve until interrupted."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.generate is not None:
        world = generate(args.generate, seed=args.seed)
        source = f"generated {args.generate} pulls (seed {args.seed})"
    else:
        path = args.scenario or DEMO_SCENARIO
        try:
            world = load_scenario(path)
        except (OSError, ValueError, KeyError) as exc:
            print(f"forgesim: cannot load scenario {path}: {exc}", file=sys.stderr)
            return 2
        source = f"scenario {path}"
    sim = Simulator(world)
    try:
        sim.start(host=args.host, port=args.port)
    except OSError as exc:
        print(f"forgesim: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"forgesim: {source}: {world.pull_count()} pulls, {len(world.users)} users, {len(world.repos)} repos "
          f"in {time.perf_counter() - started:.1f}s")
    print(f"GITHUB_API_URL={sim.github_api_url}")
    print(f"GITHUB_URL={sim.github_url}")
    print(f"GITEE_API_URL={sim.gitee_api_url}")
    print(f"GITEE_URL={sim.gitee_url}")
    print(f"GITLAB_URL={sim.gitlab_url}")
    for platform, tokens in world.tokens.items():
        if tokens:
            print(f"{platform.upper()}_TOKENS={','.join(tokens)}")
    print(f"stats: {sim.url}/_sim/stats", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
