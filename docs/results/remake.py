"""Remake docs/results' comparisons (`NAME.md`, `NAME.png`) and the sweeps behind phase-diagrams.md.

Run from the repository root: ``.venv/bin/python docs/results/remake.py [--only NAME ...] [--list]
[--check]``.
Each comparison and sweep trains in a scratch directory (`--workdir`, kept so that an interrupted
remake continues with ``--resume``); a comparison's `results.md` and `results.png` become
`docs/results/NAME.md` and `NAME.png`, a sweep's `sweep.md` and `phase.png` go to
`docs/results/sweeps/NAME/`. The commands are those printed in each file; on a 2-core machine
the comparisons take about 10 minutes, the six sweeps about 35. noise.md's twelve runs (`NOISE`)
go to `docs/results/noise/NAME/` (not timed together; a parameter-noise run trains about 4 times
slower than a plain one). The capacity and exploration labs' sweeps (`LABS`, behind
`capacity.md` and `exploration.md`) go to `docs/results/labs/NAME/` (`sweep.md`, `phase.png`,
`lines.png`), and `capacity-quantize` evaluates the noise-free runs of `capacity-dropout` with
quantized weights (`labs/capacity-quantize/quantize.md`); the guides give their times.
`--check` trains nothing: it fails unless every figure with its interval (`0.553 [0.551, 0.559]`)
that `QUOTING` files quote is printed, digit for digit, by a sweep (or a lab's table), and every
table row of the README's with a `±` by a comparison.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HALF_GAP = ["--env-kwargs", '{"half_gap": 0.6}']
COMPARES = {"twobales": "TwoBales-v0", "goopening": "GoOpening-v0", "multigoal": "MultiGoal-v0"}
"""Each comparison's file name and env: `rlnoise compare --env-id ENV --agents regression,categorical
--seeds 1-5`."""
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
REGRESSION = ["--agents", "regression", "--seeds", "1-5"]
SIGMA_02 = ["--env-id", "TwoBales-v0", "--agents", "regression", "--seeds", "1-3", "--sigma", "0.2"]
NOISE = {
    "twobales-plain": [
        "compare", "--env-id", "TwoBales-v0", "--agents", "regression,categorical", "--seeds", "1-5",
    ],
    "twobales-noisy": ["compare", "--env-id", "TwoBales-v0", *REGRESSION, "--noisy-net"],
    "twobales-dropout": ["sweep", "--env-id", "TwoBales-v0", *REGRESSION, "--vary", "dropout=0.1,0.3"],
    "twobales-param": [
        "sweep", "--env-id", "TwoBales-v0", *REGRESSION, "--param-noise", "0.1",
        "--vary", "param_noise_target=0.1,0.5",
    ],
    "twobales-grad": ["sweep", "--env-id", "TwoBales-v0", *REGRESSION, "--vary", "grad_noise=0.01,1"],
    "multigoal-noisy": ["compare", "--env-id", "MultiGoal-v0", *REGRESSION, "--noisy-net"],
    "multigoal-dropout": ["compare", "--env-id", "MultiGoal-v0", *REGRESSION, "--dropout", "0.1"],
    "multigoal-grad": ["compare", "--env-id", "MultiGoal-v0", *REGRESSION, "--grad-noise", "0.01"],
    "multigoal-param": [
        "compare", "--env-id", "MultiGoal-v0", *REGRESSION,
        "--param-noise", "0.1", "--param-noise-target", "0.2",
    ],
    "twobales-sigma0.2-plain": ["compare", *SIGMA_02],
    "twobales-sigma0.2-dropout": ["compare", *SIGMA_02, "--dropout", "0.3"],
    "twobales-sigma0.2-param": ["compare", *SIGMA_02, "--param-noise", "0.1", "--param-noise-target", "0.5"],
}  # fmt: skip
"""noise.md's runs: each `rlnoise` command and its flags; the files go to `docs/results/noise/NAME/`."""
MEMORIZE = ["--env-id", "Memorize-v0", "--algo", "bc", "--agents", "categorical", "--seeds", "1-3"]
TABLE = [
    *MEMORIZE, "--env-kwargs", '{"keys": 2048, "answers": 4}', "--hidden", "16",
    "--total-timesteps", "3072000", "--num-envs", "1024", "--eval-every", "150",
]  # fmt: skip
"""The capacity lab's noise sweeps: a 4,096-bit table, a 612-parameter network that stores half of it."""
ADAM = ["--learning-rate", "0.03"]
"""The noise sweeps' step size (binarized weights, through the straight-through estimator, need 0.003)."""
TRAP = ["--env-id", "Trap-v0", "--seeds", "1-5", "--total-timesteps", "60000"]
ESCAPE = [
    "--env-id", "Trap-v0", "--total-timesteps", "60000", "--agents", "regression", "--layers", "0",
    "--sigma", "0.5", "--optimizer", "sgd", "--learning-rate", "0.03", "--grad-noise-decay", "0",
    "--num-envs", "256", "--eval-every", "5",
]  # fmt: skip
"""The exploration lab's SGD point: a linear regressor below the escape window, constant gradient noise."""
NOISY = ["--seeds", "1-10", "--grad-noise", "10"]
SYMMETRY = ["--env-id", "Trap-v0", "--seeds", "1-5", "--agents", "regression", "--init", "symmetric",
            "--num-envs", "256", "--eval-every", "5"]  # fmt: skip
STEPS = ["--vary", "total_timesteps=2560,10240,40960"]
"""`--init symmetric` with one noise source, at three lengths of training: how fast it parts the units."""
"""Gradient noise at which about half the SGD points escape, for the staleness sweeps."""
LABS = {
    "exploration-sigma": [
        *TRAP, "--agents", "regression", "--num-envs", "256",
        "--vary", "sigma=0.02,0.25,0.5,0.75,0.9,1,1.05,1.1,1.2,1.3,1.5",
    ],
    "exploration-entropy": [
        *TRAP, "--agents", "gaussian", "--max-spread", "2", "--num-envs", "256",
        "--vary", "ent_coef=log:0.001:1:7",
    ],
    "exploration-param-noise": [
        *TRAP, "--agents", "regression", "--sigma", "0.5", "--param-noise", "0.1", "--num-envs", "256",
        "--vary", "param_noise_target=0.1,0.3,0.5,1,2",
    ],
    "exploration-grad-noise": [*ESCAPE, "--seeds", "1-10", "--vary", "grad_noise=5,7,10,14,20,40,80"],
    "exploration-lr-batch": [
        *TRAP, "--agents", "regression", "--sigma", "0.8",
        "--vary", "learning_rate=0.001,0.003,0.01,0.03", "--vary", "num_envs=16,64,256",
    ],
    "exploration-lr-batch-sgd": [
        *TRAP, "--agents", "regression", "--layers", "0", "--sigma", "0.5", "--optimizer", "sgd",
        "--vary", "learning_rate=0.01,0.03,0.1", "--vary", "num_envs=8,32,128",
    ],
    "exploration-momentum": [*ESCAPE, *NOISY, "--vary", "momentum=0,0.5,0.75"],
    "exploration-async": [*ESCAPE, *NOISY, "--jobs", "1", "--vary", "async_workers=1,2"],
    "exploration-delay": [*ESCAPE, *NOISY, "--vary", "grad_delay=0,1,2,4,8,16"],
    "exploration-symmetry-dropout": [*SYMMETRY, "--vary", "dropout=0,0.05,0.1,0.3", *STEPS],
    "exploration-symmetry-grad-noise": [*SYMMETRY, "--vary", "grad_noise=0,0.001,0.01,0.1", *STEPS],
    "exploration-symmetry-param-noise": [*SYMMETRY, "--vary", "param_noise=0,0.01,0.1", *STEPS],
    "capacity-size": [
        *MEMORIZE, "--env-kwargs", '{"keys": 4096, "answers": 4}', "--learning-rate", "0.03",
        "--total-timesteps", "6144000", "--num-envs", "1024", "--eval-every", "300",
        "--vary", "hidden=4,8,16,32,64", "--vary", "layers=1,2,3",
    ],
    "capacity-linear": [
        "--env-id", "Memorize-v0", "--algo", "bc", "--agents", "categorical", "--seeds", "1", "--layers", "0",
        "--learning-rate", "0.3", "--env-kwargs", '{"answers": 2, "key_dim": 16}',
        "--total-timesteps", "102400", "--num-envs", "256", "--eval-every", "40",
        "--vary", "env.keys=16,24,28,32,34,36,40,48,64", "--vary", "env.table_seed=1:16:16",
    ],
    "capacity-algorithms": [
        "--env-id", "Memorize-v0", "--agents", "categorical", "--seeds", "1-3", "--num-envs", "256",
        "--env-kwargs", '{"keys": 256, "answers": 4}', "--eval-every", "20",
        "--vary", "total_timesteps=25600,102400,409600", "--vary", "algo=bc,reinforce,ppo",
    ],
    "capacity-generative": [
        "--env-id", "Bitstrings-v0", "--algo", "bc", "--agents", "categorical", "--seeds", "1-3",
        "--env-kwargs", '{"vectors": 16, "bits": 8}', "--total-timesteps", "409600", "--num-envs", "256",
        "--eval-every", "20", "--vary", "hidden=4,8,16,32,64",
    ],
    "capacity-dropout": [*TABLE, *ADAM, "--vary", "dropout=0,0.1,0.2,0.3,0.5"],
    "capacity-param-noise": [
        *TABLE, *ADAM, "--param-noise", "0.1", "--vary", "param_noise_target=0.01,0.1,1",
    ],
    "capacity-weight-noise": [*TABLE, *ADAM, "--vary", "weight_noise=0.03,0.1,0.3,1,3"],
    "capacity-bottleneck": [*TABLE, *ADAM, "--bottleneck", "8", "--vary", "beta=log:0.0001:1:5"],
    "capacity-stochastic-depth": [*TABLE, *ADAM, "--vary", "stochastic_depth=0.1,0.3,0.5"],
    "capacity-binarize": [
        *TABLE, "--learning-rate", "0.003", "--binarize", "--vary", "hidden=8,16,32,64,128",
    ],
}  # fmt: skip
"""The labs' sweeps: each one's flags after `rlnoise sweep`; the files go to `docs/results/labs/NAME/`."""
QUANTIZE = ("int8", "int4")
"""`capacity-quantize`: the noise-free runs of `capacity-dropout` evaluated with quantized weights."""


QUOTING = (
    HERE / "phase-diagrams.md",
    HERE.parent.parent / "README.md",
    HERE / "capacity.md",
    HERE / "exploration.md",
)
"""The files whose quoted sweep figures `--check` holds against the sweeps' own tables."""
QUOTED = re.compile(r"-?\d+\.\d+ \[-?\d+\.\d+, -?\d+\.\d+\]")
"""A figure with its interval, as sweep.md prints it."""
AGENT_ROW = re.compile(r"\| (regression|categorical) (sampled|deterministic) \| .* ± ")
"""A row of a comparison's table, as the README quotes it."""


def unbacked() -> list[str]:
    """Each quoted figure with interval that no sweep's sweep.md prints, and each README table
    row with a `±` that no comparison prints, by file."""
    tables = [*sorted((HERE / "sweeps").glob("*/sweep.md")), *sorted((HERE / "labs").glob("*/*.md"))]
    printed = "\n".join(path.read_text() for path in tables)
    missing = [
        f"{path.name}: {quote}"
        for path in QUOTING
        for quote in QUOTED.findall(path.read_text())
        if quote not in printed
    ]
    compared = "\n".join((HERE / f"{name}.md").read_text() for name in COMPARES).splitlines()
    rows = [line for line in QUOTING[1].read_text().splitlines() if AGENT_ROW.match(line)]
    return missing + [f"{QUOTING[1].name}: {row}" for row in rows if row not in compared]


SOME_FAILED = 1
"""The exit code of a grid that wrote its results but some of whose runs failed."""
OUTPUTS = {
    "compare": ("results.json", "results.md", "results.png"),
    "sweep": ("sweep.json", "sweep.md", "phase.png"),
}
"""Per command: the file that shows a start (so `--resume`), the table and the figure."""


def train(command: list[str], logdir: Path) -> tuple[Path, Path]:
    """Run `rlnoise COMMAND` (`compare` or `sweep` and its flags) into `logdir`, continuing one begun
    there; its table and figure. A grid some of whose runs failed (diverged: a result, SGD with
    momentum 0.75 in `exploration-momentum`) still gives its files; any other error stops."""
    record, table, figure = OUTPUTS[command[0]]
    resume = ["--resume"] if (logdir / record).is_file() else []
    done = subprocess.run([sys.executable, "-m", "rlnoise.cli", *command, "--logdir", str(logdir), *resume])
    if done.returncode == SOME_FAILED and (logdir / table).is_file():
        print(f"{logdir.name}: some runs failed; its table says which and why", file=sys.stderr)
    elif done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args)
    return logdir / table, logdir / figure


def copy_into(files: tuple[Path, ...], target: Path) -> None:
    """Copy a run's table and figures into the folder `target`, under their own names."""
    target.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copyfile(file, target / file.name)


def compare(name: str, workdir: Path) -> None:
    """Train (or continue) one comparison in `workdir` and copy its results here as NAME.md and NAME.png."""
    command = ["compare", "--env-id", COMPARES[name], "--agents", "regression,categorical", "--seeds", "1-5"]
    table, figure = train(command, workdir / name)
    (HERE / f"{name}.md").write_text(
        table.read_text().replace("![results](results.png)", f"![results]({name}.png)")
    )
    shutil.copyfile(figure, HERE / f"{name}.png")


def remake(name: str, workdir: Path) -> None:
    """Train (or continue) one sweep in `workdir` and copy its sweep.md and phase.png to sweeps/NAME."""
    copy_into(
        train(["sweep", "--env-id", "TwoBales-v0", *SWEEPS[name]], workdir / name), HERE / "sweeps" / name
    )


def lab(name: str, workdir: Path) -> None:
    """Train (or continue) one of the labs' sweeps in `workdir` and copy its sweep.md, phase.png
    and lines.png to labs/NAME."""
    table, figure = train(["sweep", *LABS[name]], workdir / "labs" / name)
    copy_into((table, figure, table.parent / "lines.png"), HERE / "labs" / name)


def quantized(workdir: Path) -> None:
    """Evaluate the noise-free runs of `capacity-dropout` (seeds 1-3) with their weights quantized
    to 8 and 4 bits and write the bits each stores to labs/capacity-quantize/quantize.md."""
    import json

    rows = ["| seed | full precision | int8 | int4 |", "| --- | --- | --- | --- |"]
    for run in sorted((workdir / "labs" / "capacity-dropout").glob("categorical__dropout=0.0__seed*")):
        bits = [json.loads((run / "evaluation.json").read_text())["bits_stored"]]
        for kind in QUANTIZE:
            out = run / f"quantize-{kind}.json"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rlnoise.cli",
                    "evaluate",
                    str(run),
                    "--quantize",
                    kind,
                    "--json",
                    str(out),
                ],
                check=True,
            )
            bits.append(json.loads(out.read_text())["bits_stored"])
        rows.append(
            f"| {run.name.rsplit('seed', 1)[1]} | " + " | ".join(f"{value:.1f}" for value in bits) + " |"
        )
    target = HERE / "labs" / "capacity-quantize"
    target.mkdir(parents=True, exist_ok=True)
    command = "rlnoise evaluate RUN --quantize {int8,int4}, RUN each seed's dropout=0 run of capacity-dropout"
    (target / "quantize.md").write_text(
        f"# Bits stored, quantized\n\n`{command}`\n\n" + "\n".join(rows) + "\n"
    )


def noise(name: str, workdir: Path) -> None:
    """Train (or continue) one of noise.md's runs in `workdir` and copy its table and figure to noise/NAME."""
    copy_into(train(NOISE[name], workdir / "noise" / name), HERE / "noise" / name)


def main() -> int:
    """Remake the comparisons and sweeps named (all by default), or check the quoted figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted([*COMPARES, *SWEEPS, *NOISE, *LABS, "capacity-quantize"]),
        help="remake these only",
    )
    parser.add_argument("--list", action="store_true", help="print each sweep's flags and exit")
    parser.add_argument("--workdir", type=Path, default=Path("runs/remake"), help="where the sweeps train")
    parser.add_argument("--check", action="store_true", help="train nothing: check the quoted figures")
    args = parser.parse_args()
    if args.check:
        missing = unbacked()
        for quote in missing:
            print(f"not printed by any sweep: {quote}", file=sys.stderr)
        return 1 if missing else 0
    if args.list:
        for name, env_id in COMPARES.items():
            print(f"{name}: rlnoise compare --env-id {env_id} --agents regression,categorical --seeds 1-5")
        for name, flags in SWEEPS.items():
            print(f"{name}: rlnoise sweep --env-id TwoBales-v0 {' '.join(flags)}")
        for name, flags in NOISE.items():
            print(f"noise/{name}: rlnoise {' '.join(flags)}")
        for name, flags in LABS.items():
            print(f"labs/{name}: rlnoise sweep {shlex.join(flags)}")
        return 0
    for name in args.only or [*COMPARES, *SWEEPS, *NOISE, *LABS, "capacity-quantize"]:
        if name == "capacity-quantize":
            quantized(args.workdir)
            continue
        kind = compare if name in COMPARES else remake if name in SWEEPS else noise if name in NOISE else lab
        kind(name, args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
