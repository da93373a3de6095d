"""Benchmark of `rlnoise sweep`: its overhead per run, and the Ray backend's start-up cost.

Run: ``python bench/bench_sweep.py [--runs 20] [--skip-ray]``. Every figure is measured in
the same run, on this machine.

- overhead: the same short runs (the regressor on TwoBales-v0, one seed each), first trained
  one after another in this process with `rlnoise.train.train`, then as a sweep on the local
  backend with one job (worker start, queueing, collecting, the summary, sweep.json, sweep.md
  and phase.png); the overhead per run is the difference of the two, divided by the runs;
- Ray start-up: seconds to start a local Ray for the sweep and to stop it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rlnoise.sweep import Grid

SHORT = {"total_timesteps": 20480, "num_envs": 256, "eval_contexts": 8, "eval_samples": 16}


def alone_seconds(grid: Grid, directory: Path) -> float:
    """Seconds of every run of `grid` trained alone, one after another, in this process."""
    from rlnoise.train import train

    train(grid.runs(directory / "warm-up")[0].config, progress=False)  # imports outside the timing
    start = time.perf_counter()
    for run in grid.runs(directory / "alone"):
        train(run.config, progress=False)
    return time.perf_counter() - start


def sweep_seconds(grid: Grid, directory: Path) -> float:
    """Wall seconds of the same runs as a sweep on the local backend, one job, with all its files."""
    from rlnoise.results import write_sweep
    from rlnoise.sweep import make_backend, train_grid

    start = time.perf_counter()
    records, _ = train_grid(grid.runs(directory / "sweep"), make_backend("local", 1, ("rlnoise.envs",)))
    write_sweep(directory / "sweep", grid, records, False)
    return time.perf_counter() - start


def ray_start_seconds() -> float:
    """Seconds to start a local Ray of 2 CPUs for a sweep, and to stop it."""
    from rlnoise.sweep import make_backend

    start = time.perf_counter()
    make_backend("ray", 2, ("rlnoise.envs",)).close()
    return time.perf_counter() - start


def main() -> None:
    """Print the figures."""
    from rlnoise import envs  # noqa: F401
    from rlnoise.config import Config
    from rlnoise.sweep import parse_axis

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--skip-ray", action="store_true", help="do not time Ray's start-up")
    args = parser.parse_args()

    base = Config(agent="regression", **SHORT)
    grid = Grid(base, ["regression"], list(range(1, args.runs + 1)), [parse_axis("sigma=0.5")])
    with tempfile.TemporaryDirectory() as directory:
        alone = alone_seconds(grid, Path(directory))
        swept = sweep_seconds(grid, Path(directory))
    print(f"{args.runs} short runs: alone {alone:.1f} s in all, as a sweep (1 job) {swept:.1f} s: "
          f"overhead {(swept - alone) / args.runs:.2f} s per run")  # fmt: skip
    if not args.skip_ray:
        print(f"Ray backend: start and stop a local Ray of 2 CPUs: {ray_start_seconds():.1f} s")


if __name__ == "__main__":
    main()
