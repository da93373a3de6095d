"""Benchmark of `rlnoise sweep`: its steady overhead per run and its one-time start-up, apart; Ray's start-up.

Run: ``python bench/bench_sweep.py [--runs 10] [--rounds 3] [--skip-ray]``. The sides are timed in
turn, round after round (`bench/timing.py`); each figure is printed as its median and range over
the rounds with the load average of its samples.

Both sides are sweeps of the same short runs (the regressor on TwoBales-v0, one seed each) on the
local backend with one job (`train_grid`, then `write_sweep`: sweep.json, sweep.md, phase.png),
each in a fresh process (timed from after its imports), one of `--runs` runs and one of twice as
many. Of each, the serial part is
the wall time less the seconds its runs took in the worker (`rlnoise.train.train`): the worker's
start (the forkserver's imports), handing out each run and collecting it, the files written when
a run ends, and the sweep's own files. The steady overhead per run is the per-round difference
of the two serial parts over `--runs`; the one-time start-up is the smaller sweep's serial part
less `--runs` times that overhead. Ray: seconds to start a local Ray of 2 CPUs and to stop it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from timing import Figures, alternate, figure, fresh_figures, ratio

from rlnoise.grid.spec import Grid

BENCH = Path(__file__).resolve().parent
SHORT = {"total_timesteps": 20480, "num_envs": 256, "eval_contexts": 8, "eval_samples": 16}


def sweep_figures(runs: int) -> Figures:
    """Wall seconds of a sweep of `runs` short runs on the local backend, one job, with all its
    files; and the seconds its runs took in the worker."""
    import rlnoise.envs  # noqa: F401  registers TwoBales-v0
    from rlnoise.config import Config
    from rlnoise.grid.backends import make_backend
    from rlnoise.grid.scheduler import train_grid
    from rlnoise.grid.spec import parse_axis
    from rlnoise.results import write_sweep

    base = Config(agent="regression", **SHORT)
    grid = Grid(base, ["regression"], list(range(1, runs + 1)), [parse_axis("sigma=0.5")])
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        records, _ = train_grid(grid.cells(Path(directory)), make_backend("local", 1, ("rlnoise.envs",)))
        write_sweep(Path(directory), grid, records, False)
        wall = time.perf_counter() - start
    seconds = sum(record.seconds for record in records)
    return {"wall": wall, "serial": wall - seconds}


def fresh_sweep(runs: int) -> Figures:
    """`sweep_figures(runs)` in a fresh process."""
    code = f"import json, sys; sys.path.insert(0, {str(BENCH)!r}); from bench_sweep import sweep_figures; "
    return fresh_figures([sys.executable, "-c", code + f"print(json.dumps(sweep_figures({runs})))"])


def ray_start_seconds() -> Figures:
    """Seconds to start a local Ray of 2 CPUs for a sweep, and to stop it."""
    from rlnoise.grid.backends import make_backend

    start = time.perf_counter()
    make_backend("ray", 2, ("rlnoise.envs",)).close()
    return {"seconds": time.perf_counter() - start}


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of the smaller sweep (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    parser.add_argument("--skip-ray", action="store_true", help="do not time Ray's start-up")
    args = parser.parse_args()

    small, large = f"{args.runs} runs", f"{2 * args.runs} runs"
    sides = {small: partial(fresh_sweep, args.runs), large: partial(fresh_sweep, 2 * args.runs)}
    if not args.skip_ray:
        sides["ray"] = ray_start_seconds
    samples = alternate(sides, args.rounds)
    for few, many in zip(samples[small], samples[large], strict=True):
        few["per run"] = (many["serial"] - few["serial"]) / args.runs
        few["start-up"] = few["serial"] - args.runs * few["per run"]
    print(f"median [range] (load average) over {args.rounds} rounds, seconds")
    for name in (small, large):
        print(f"sweep of {name} (1 job): wall {figure(samples[name], 'wall', 1)}, "
              f"serial part {figure(samples[name], 'serial', 2)}")  # fmt: skip
    print(f"steady overhead per run {figure(samples[small], 'per run', 3)}; one-time start-up "
          f"{figure(samples[small], 'start-up', 2)}; wall of twice the runs "
          f"{ratio(samples[large], samples[small], 'wall')}x (runs' seconds are kept to 0.1 s)")  # fmt: skip
    if not args.skip_ray:
        print(f"Ray backend: start and stop a local Ray of 2 CPUs: {figure(samples['ray'], 'seconds', 1)}")


if __name__ == "__main__":
    main()
