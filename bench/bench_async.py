"""The cost of asynchrony: `--async-workers 2` against one process, and `--grad-delay 4` against none.

Every side is a default TwoBales-v0 REINFORCE run of the same steps (1,024 envs, 204,800 steps:
200 updates, evaluated every 100), one torch thread per process, timed as a fresh
`python -m rlnoise.cli train` process from start to exit, the sides in turn in every round:

- `one process`: the default run;
- `2 workers`: `--async-workers 2`, two processes that together take the run's updates on
  shared weights (on 2 cores the speed-up is bounded by what the machine has free; the
  staleness is real either way);
- `grad delay 4`: `--grad-delay 4`, one process applying each gradient 4 steps late (the
  queue's copies of the gradients are its only cost).

Printed: each side's median and range of wall seconds over the rounds with the load average,
and the ratios `2 workers / one process` and `grad delay 4 / one process` (median and range of
the per-round ratios: below 1 is faster).

Usage: python bench/bench_async.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from timing import alternate, figure, process_seconds, ratio

SETTINGS = ["--env-id", "TwoBales-v0", "--num-envs", "1024", "--total-timesteps", "204800"]
SIDES = {"one process": [], "2 workers": ["--async-workers", "2"], "grad delay 4": ["--grad-delay", "4"]}


def main() -> None:
    """Time the three sides in alternation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    args = parser.parse_args()
    run = [sys.executable, "-m", "rlnoise.cli", "train", "--logdir", "runs", *SETTINGS]
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        samples = alternate(
            {
                side: lambda extra=extra: process_seconds([*run, *extra], directory)
                for side, extra in SIDES.items()
            },
            args.rounds,
        )
    print(f"TwoBales-v0, REINFORCE, 204,800 steps, {args.rounds} rounds, {os.cpu_count()} cores "
          "(seconds: median [range] (load average))")  # fmt: skip
    single = samples["one process"]
    print(f"  {'one process':<14} {figure(single, 'wall')}")
    for side in ("2 workers", "grad delay 4"):
        print(f"  {side:<14} {figure(samples[side], 'wall')}   "
              f"{side}/one process {ratio(samples[side], single, 'wall')}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
