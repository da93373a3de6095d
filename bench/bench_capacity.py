"""A default `Memorize-v0` behaviour-cloning run against a minimal pure-torch loop of the same work.

The capacity lab's sweeps are many small runs, so what a run costs beyond its training matters.
Both sides clone the table of a default `Memorize-v0` (256 keys, 4 answers, 16-dimensional keys)
with the same network (two tanh hidden layers of 64 units, a categorical output), the same data
(the policy's own rollout of 1,024 envs per update, labelled by the env's expert) and the same
614,400 steps, one thread. The yardstick is `bench/torch_loop.py --algo bc` (torch, numpy and
gymnasium alone). Every round times, in turn, as fresh processes from start to exit:

- `run`: `python -m rlnoise.cli train --env-id Memorize-v0 --algo bc` (imports, checks, the
  evaluations every 100 updates with the bits stored, pictures, TensorBoard, files);
- `run, one evaluation`: the same with `--eval-every` past the run's end (the final evaluation
  only), what a sweep's run costs when it needs no intermediate figures;
- `loop`: `python bench/torch_loop.py --algo bc` with the same settings.

Printed: each side's median and range over the rounds with the load average, and the ratios to
the loop (median and range of the per-round ratios; the issue's target: at most 1.5x).

Usage: python bench/bench_capacity.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from timing import alternate, figure, fresh_figures, process_seconds, ratio

BENCH = Path(__file__).resolve().parent
SETTINGS = {"--env-id": "Memorize-v0", "--num-envs": "1024", "--total-timesteps": "614400"}


def main() -> None:
    """Time the three sides in alternation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    args = parser.parse_args()
    settings = [word for pair in SETTINGS.items() for word in pair]
    run = [sys.executable, "-m", "rlnoise.cli", "train", "--algo", "bc", "--logdir", "runs", *settings]
    loop = [sys.executable, str(BENCH / "torch_loop.py"), "--algo", "bc", *settings]
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        samples = alternate(
            {
                "run": lambda: process_seconds(run, directory),
                "run, one evaluation": lambda: process_seconds([*run, "--eval-every", "100000"], directory),
                "loop": lambda: fresh_figures(loop, directory),
            },
            args.rounds,
        )
    print(f"Memorize-v0, behaviour cloning, 614,400 steps, {args.rounds} rounds "
          "(seconds: median [range] (load average))")  # fmt: skip
    for side in ("run", "run, one evaluation"):
        print(f"  {side:<20} {figure(samples[side], 'wall')}   "
              f"{side}/loop {ratio(samples[side], samples['loop'], 'wall')}")  # fmt: skip
    print(f"  {'loop':<20} {figure(samples['loop'], 'wall')}", flush=True)


if __name__ == "__main__":
    main()
