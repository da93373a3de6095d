"""Remake the sweeps behind docs/results/phase-diagrams.md: each sweep's `sweep.md` and `phase.png`.

Run from the repository root: ``.venv/bin/python docs/results/remake.py [--only NAME ...] [--list]``.
Each sweep trains in a scratch directory (`--workdir`, kept so that an interrupted remake
continues with ``--resume``) and its `sweep.md` and `phase.png` are copied to
`docs/results/sweeps/NAME/`. The commands are those printed in each `sweep.md`; on a 2-core
machine the six sweeps take about 35 minutes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HALF_GAP = ["--env-kwargs", '{"half_gap": 0.6}']
SWEEPS = {
    "sigma-fixed": [
        "--agents", "regression", "--seeds", "1-5", *HALF_GAP, "--vary", "sigma=0.1:1.2:12", "--refine", "3",
    ],
    "sigma-fixed-4x": [
        "--agents", "regression", "--seeds", "1-3", *HALF_GAP, "--total-timesteps", "2457600",
        "--vary", "sigma=0.5,0.52,0.54,0.56,0.58,0.6",
    ],
    "sigma-drawn": ["--agents", "regression", "--seeds", "1-5", "--vary", "sigma=0.1:1.2:12"],
    "ent-coef": [
        "--agents", "categorical", "--seeds", "1-5", "--vary", "ent_coef=log:0.01:1:9", "--refine", "3",
    ],
    "ent-coef-steps": [
        "--agents", "categorical", "--seeds", "1-3", "--vary", "ent_coef=log:0.03:0.3:5",
        "--vary", "total_timesteps=153600,614400,1843200", "--refine", "2",
    ],
    "ent-coef-algo": [
        "--agents", "categorical", "--seeds", "1-3", "--vary", "ent_coef=log:0.03:0.3:5",
        "--vary", "algo=reinforce,ppo", "--refine", "2",
    ],
}  # fmt: skip
"""Each sweep's flags after `rlnoise sweep --env-id TwoBales-v0`."""


def remake(name: str, workdir: Path) -> None:
    """Train (or continue) one sweep in `workdir` and copy its sweep.md and phase.png here."""
    logdir = workdir / name
    command = [sys.executable, "-m", "rlnoise.cli", "sweep", "--env-id", "TwoBales-v0", *SWEEPS[name]]
    resume = ["--resume"] if (logdir / "sweep.json").is_file() else []
    subprocess.run([*command, "--logdir", str(logdir), *resume], check=True)
    target = HERE / "sweeps" / name
    target.mkdir(parents=True, exist_ok=True)
    for file in ("sweep.md", "phase.png"):
        shutil.copyfile(logdir / file, target / file)


def main() -> int:
    """Remake the sweeps named (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SWEEPS), help="remake these sweeps only")
    parser.add_argument("--list", action="store_true", help="print each sweep's flags and exit")
    parser.add_argument("--workdir", type=Path, default=Path("runs/remake"), help="where the sweeps train")
    args = parser.parse_args()
    if args.list:
        for name, flags in SWEEPS.items():
            print(f"{name}: rlnoise sweep --env-id TwoBales-v0 {' '.join(flags)}")
        return 0
    for name in args.only or SWEEPS:
        remake(name, args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
