"""Remake every run, table and figure of docs/results/ and check the numbers the docs quote against them.

Run from the repository root: ``.venv/bin/python docs/results/remake.py [--only NAME ...] [--list]
[--check]``. Each run trains in a scratch directory (`--workdir`, kept so that an interrupted
remake continues with ``--resume``); `--list` prints each one's command, `--only` takes the names
it prints (a group's NAME also without `GROUP/` where that is unambiguous). What each makes:

- the comparisons (`COMPARES`): a comparison's `results.md` and `results.png` become
  `docs/results/NAME.md` and `NAME.png` (about 10 minutes on a 2-core machine);
- the sweeps behind phase-diagrams.md (`SWEEPS`): `sweep.md` and `phase.png` in
  `docs/results/sweeps/NAME/` (the six about 35 minutes);
- the groups (`GROUPS`), each run trained in the workdir's `GROUP/NAME` and its table and figure
  (a sweep's `lines.png` too) copied to `docs/results/GROUP/NAME/`: noise.md's twelve runs
  (`NOISE`; a parameter-noise run trains about 4 times slower than a plain one), agents.md's five
  agents on each env (`AGENTS`), algorithms.md's REINFORCE, PPO and behaviour cloning (`ALGORITHMS`)
  and the capacity and exploration labs' sweeps (`LABS`, behind capacity.md and exploration.md);
- `algorithms/log-ratios`: the TensorBoard log-ratios of some runs of `algorithms/twobales`
  (`LOG_RATIOS`) in `docs/results/algorithms/log-ratios.md`;
- `capacity-quantize`: the noise-free runs of `capacity-dropout` evaluated with quantized weights
  (`labs/capacity-quantize/quantize.md`). The guides give the groups' times.

`--check` trains nothing: it fails unless every figure with its interval (`0.553 [0.551, 0.559]`)
that the `QUOTING` files (the README and docs/results' pages) quote is printed, digit for digit, by
a remade table, and every row of a comparison's or the log-ratio table they quote is one, verbatim.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
HALF_GAP = ["--env-kwargs", '{"half_gap": 0.6}']
BOTH = ["--agents", "regression,categorical", "--seeds", "1-5"]
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
    "twobales-plain": ["compare", "--env-id", "TwoBales-v0", *BOTH],
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
FIVE = ["--agents", "regression,gaussian,mixture,flow,categorical", "--seeds", "1-5"]
AGENTS = {name: ["compare", "--env-id", env_id, *FIVE] for name, env_id in COMPARES.items()}
"""agents.md's runs: every built-in agent on each comparison's env; the files go to
`docs/results/agents/NAME/`."""
ALGORITHMS = {
    "twobales": ["sweep", "--env-id", "TwoBales-v0", *BOTH, "--vary", "algo=reinforce,ppo,bc"],
    "goopening": ["sweep", "--env-id", "GoOpening-v0", *BOTH, "--vary", "algo=reinforce,ppo,bc"],
    "multigoal": ["compare", "--env-id", "MultiGoal-v0", *BOTH, "--algo", "ppo"],
}
"""algorithms.md's runs: REINFORCE, PPO and behaviour cloning side by side; the files go to
`docs/results/algorithms/NAME/`."""
LOG_RATIOS = {
    "reinforce, seed 1": "categorical__algo=reinforce__seed1",
    "reinforce, seed 3": "categorical__algo=reinforce__seed3",
    "ppo, seed 1": "categorical__algo=ppo__seed1",
    "ppo, seed 3": "categorical__algo=ppo__seed3",
    "bc, seed 1": "categorical__algo=bc__seed1",
}
"""algorithms.md's log-ratio table: each row's label and its run of `algorithms/twobales`."""
LOG_RATIO = "multimodality/log_ratio"
"""The TensorBoard tag of the log of how much more often sampled play reaches the first good answer
than the second (rlnoise.evaluator)."""
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
"""Gradient noise at which about half the SGD points escape, for the staleness sweeps."""
SYMMETRY = ["--env-id", "Trap-v0", "--seeds", "1-5", "--agents", "regression", "--init", "symmetric",
            "--num-envs", "256", "--eval-every", "5"]  # fmt: skip
STEPS = ["--vary", "total_timesteps=2560,10240,40960"]
"""`--init symmetric` with one noise source, at three lengths of training: how fast it parts the units."""
LABS = {
    "exploration-sigma": [
        "sweep", *TRAP, "--agents", "regression", "--num-envs", "256",
        "--vary", "sigma=0.02,0.25,0.5,0.75,0.9,1,1.05,1.1,1.2,1.3,1.5",
    ],
    "exploration-entropy": [
        "sweep", *TRAP, "--agents", "gaussian", "--max-spread", "2", "--num-envs", "256",
        "--vary", "ent_coef=log:0.001:1:7",
    ],
    "exploration-param-noise": [
        "sweep", *TRAP, "--agents", "regression", "--sigma", "0.5", "--param-noise", "0.1",
        "--num-envs", "256", "--vary", "param_noise_target=0.1,0.3,0.5,1,2",
    ],
    "exploration-grad-noise": [
        "sweep", *ESCAPE, "--seeds", "1-10", "--vary", "grad_noise=5,7,10,14,20,40,80",
    ],
    "exploration-lr-batch": [
        "sweep", *TRAP, "--agents", "regression", "--sigma", "0.8",
        "--vary", "learning_rate=0.001,0.003,0.01,0.03", "--vary", "num_envs=16,64,256",
    ],
    "exploration-lr-batch-sgd": [
        "sweep", *TRAP, "--agents", "regression", "--layers", "0", "--sigma", "0.5",
        "--optimizer", "sgd", "--vary", "learning_rate=0.01,0.03,0.1", "--vary", "num_envs=8,32,128",
    ],
    "exploration-momentum": ["sweep", *ESCAPE, *NOISY, "--vary", "momentum=0,0.5,0.75"],
    "exploration-async": ["sweep", *ESCAPE, *NOISY, "--jobs", "1", "--vary", "async_workers=1,2"],
    "exploration-delay": ["sweep", *ESCAPE, *NOISY, "--vary", "grad_delay=0,1,2,4,8,16"],
    "exploration-symmetry-dropout": ["sweep", *SYMMETRY, "--vary", "dropout=0,0.05,0.1,0.3", *STEPS],
    "exploration-symmetry-grad-noise": [
        "sweep", *SYMMETRY, "--vary", "grad_noise=0,0.001,0.01,0.1", *STEPS,
    ],
    "exploration-symmetry-param-noise": ["sweep", *SYMMETRY, "--vary", "param_noise=0,0.01,0.1", *STEPS],
    "capacity-size": [
        "sweep", *MEMORIZE, "--env-kwargs", '{"keys": 4096, "answers": 4}',
        "--learning-rate", "0.03", "--total-timesteps", "6144000", "--num-envs", "1024",
        "--eval-every", "300", "--vary", "hidden=4,8,16,32,64", "--vary", "layers=1,2,3",
    ],
    "capacity-linear": [
        "sweep", "--env-id", "Memorize-v0", "--algo", "bc", "--agents", "categorical", "--seeds", "1",
        "--layers", "0", "--learning-rate", "0.3", "--env-kwargs", '{"answers": 2, "key_dim": 16}',
        "--total-timesteps", "102400", "--num-envs", "256", "--eval-every", "40",
        "--vary", "env.keys=16,24,28,32,34,36,40,48,64", "--vary", "env.table_seed=1:16:16",
    ],
    "capacity-algorithms": [
        "sweep", "--env-id", "Memorize-v0", "--agents", "categorical", "--seeds", "1-3",
        "--num-envs", "256", "--env-kwargs", '{"keys": 256, "answers": 4}', "--eval-every", "20",
        "--vary", "total_timesteps=25600,102400,409600", "--vary", "algo=bc,reinforce,ppo",
    ],
    "capacity-generative": [
        "sweep", "--env-id", "Bitstrings-v0", "--algo", "bc", "--agents", "categorical",
        "--seeds", "1-3", "--env-kwargs", '{"vectors": 16, "bits": 8}', "--total-timesteps", "409600",
        "--num-envs", "256", "--eval-every", "20", "--vary", "hidden=4,8,16,32,64",
    ],
    "capacity-dropout": ["sweep", *TABLE, *ADAM, "--vary", "dropout=0,0.1,0.2,0.3,0.5"],
    "capacity-param-noise": [
        "sweep", *TABLE, *ADAM, "--param-noise", "0.1", "--vary", "param_noise_target=0.01,0.1,1",
    ],
    "capacity-weight-noise": ["sweep", *TABLE, *ADAM, "--vary", "weight_noise=0.03,0.1,0.3,1,3"],
    "capacity-bottleneck": ["sweep", *TABLE, *ADAM, "--bottleneck", "8", "--vary", "beta=log:0.0001:1:5"],
    "capacity-stochastic-depth": ["sweep", *TABLE, *ADAM, "--vary", "stochastic_depth=0.1,0.3,0.5"],
    "capacity-binarize": [
        "sweep", *TABLE, "--learning-rate", "0.003", "--binarize", "--vary", "hidden=8,16,32,64,128",
    ],
}  # fmt: skip
"""The labs' sweeps: each one's `rlnoise` command and its flags; the files go to `docs/results/labs/NAME/`."""
QUANTIZE = ("int8", "int4")
"""`capacity-quantize`: the noise-free runs of `capacity-dropout` evaluated with quantized weights."""


ROOT = HERE.parent.parent
COPIED = tuple(f"{name}.md" for name in COMPARES)
"""The comparisons' pages: their tables themselves, quoting nothing."""
QUOTING = (
    ROOT / "README.md",
    *sorted(path for path in HERE.glob("*.md") if path.name not in COPIED),
)
"""The files whose quoted figures and rows `--check` holds against the remade tables."""
QUOTED = re.compile(r"-?\d+\.\d+ \[-?\d+\.\d+, -?\d+\.\d+\]")
"""A figure with its interval, as sweep.md prints it."""
QUOTED_ROW = re.compile(r"\| (\w+ (sampled|deterministic)|\w+, seed \d+) \| ")
"""A row of a comparison's table (`| categorical sampled | ...`) or of the log-ratio table
(`| ppo, seed 1 | ...`), quoted whole."""


def tables() -> list[Path]:
    """The remade tables: every file in docs/results/'s folders and the comparisons' pages."""
    return sorted(path for path in HERE.glob("**/*.md") if path.parent != HERE or path.name in COPIED)


def unbacked() -> list[str]:
    """Each figure with its interval and each quoted table row in the `QUOTING` files that no
    remade table prints, by file."""
    printed = "\n".join(path.read_text() for path in tables())
    rows = set(printed.splitlines())
    missing = []
    for path in QUOTING:
        text = path.read_text()
        missing += [
            f"{path.name}: {quote}" for quote in dict.fromkeys(QUOTED.findall(text)) if quote not in printed
        ]
        quoted = [line.strip() for line in text.splitlines() if QUOTED_ROW.match(line.strip())]
        missing += [f"{path.name}: {row}" for row in quoted if row not in rows]
    return missing


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
    table, figure = train(["compare", "--env-id", COMPARES[name], *BOTH], workdir / name)
    (HERE / f"{name}.md").write_text(
        table.read_text().replace("![results](results.png)", f"![results]({name}.png)")
    )
    shutil.copyfile(figure, HERE / f"{name}.png")


def remake(name: str, workdir: Path) -> None:
    """Train (or continue) one sweep in `workdir` and copy its sweep.md and phase.png to sweeps/NAME."""
    copy_into(
        train(["sweep", "--env-id", "TwoBales-v0", *SWEEPS[name]], workdir / name), HERE / "sweeps" / name
    )


GROUPS = {"noise": NOISE, "agents": AGENTS, "algorithms": ALGORITHMS, "labs": LABS}
"""The runs remade into `docs/results/GROUP/NAME/`, each trained in the workdir's `GROUP/NAME`."""


def grouped(group: str, name: str, workdir: Path) -> None:
    """Train (or continue) one of a group's runs in `workdir/GROUP/NAME` and copy its table and
    figure (and a sweep's `lines.png`, where its env declares theory lines) to GROUP/NAME here."""
    table, figure = train(GROUPS[group][name], workdir / group / name)
    lines = table.parent / "lines.png"
    copy_into((table, figure, *([lines] if lines.is_file() else [])), HERE / group / name)


def log_ratios(runs: dict[str, Path]) -> str:
    """A markdown table of each run's `multimodality/log_ratio` at each evaluation, read from its
    TensorBoard event files: the label, then the values, two decimals with their sign."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    values = {}
    for label, run in runs.items():
        events = EventAccumulator(str(run), size_guidance={"scalars": 0})  # 0: keep every event
        events.Reload()
        values[label] = {event.step: event.value for event in events.Scalars(LOG_RATIO)}
    steps = sorted(next(iter(values.values())))
    if any(sorted(by_step) != steps for by_step in values.values()):
        raise ValueError(f"the runs were evaluated at different steps: {sorted(runs.values())}")
    rows = [f"| run | log-ratio at {', '.join(f'{step / 1000:.0f}k' for step in steps)} steps |"]
    rows += ["| --- | --- |"]
    rows += [
        f"| {label} | {', '.join(f'{by_step[step]:+.2f}' for step in steps)} |"
        for label, by_step in values.items()
    ]
    return "\n".join(rows) + "\n"


def log_ratio_table(workdir: Path) -> None:
    """Write the log-ratios of `LOG_RATIOS`' runs of `algorithms/twobales` to algorithms/log-ratios.md."""
    sweep = workdir / "algorithms" / "twobales"
    command = f"rlnoise {shlex.join(ALGORITHMS['twobales'])}"
    (HERE / "algorithms").mkdir(parents=True, exist_ok=True)
    (HERE / "algorithms" / "log-ratios.md").write_text(
        f"# The log-ratio over training, categorical agent\n\n`{command}`: each run's TensorBoard"
        f" `{LOG_RATIO}` at each evaluation.\n\n"
        + log_ratios({label: sweep / run for label, run in LOG_RATIOS.items()})
    )


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


def targets() -> dict[str, Callable[[Path], None]]:
    """What `--only` can name, each with what remakes it from the workdir, in a full remake's order."""
    jobs = {name: partial(compare, name) for name in COMPARES} | {
        name: partial(remake, name) for name in SWEEPS
    }
    for group, commands in GROUPS.items():
        jobs |= {f"{group}/{name}": partial(grouped, group, name) for name in commands}
    return jobs | {"algorithms/log-ratios": log_ratio_table, "capacity-quantize": quantized}


def target(name: str) -> str:
    """`--only`'s NAME as `targets()` names it: a group's NAME without `GROUP/` where no other has it."""
    named = [job for job in targets() if name in (job, job.rsplit("/", 1)[-1])]
    return named[0] if len(named) == 1 else name


def main() -> int:
    """Remake the runs and tables named (all by default), list them, or check the quoted figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", type=target, choices=list(targets()), metavar="NAME", help="remake these only"
    )
    parser.add_argument("--list", action="store_true", help="print each run's command and exit")
    parser.add_argument("--workdir", type=Path, default=Path("runs/remake"), help="where the runs train")
    parser.add_argument("--check", action="store_true", help="train nothing: check the quoted figures")
    args = parser.parse_args()
    if args.check:
        missing = unbacked()
        for quote in missing:
            print(f"not printed by any remade table: {quote}", file=sys.stderr)
        return 1 if missing else 0
    if args.list:
        for name, env_id in COMPARES.items():
            print(f"{name}: rlnoise compare --env-id {env_id} {shlex.join(BOTH)}")
        for name, flags in SWEEPS.items():
            print(f"{name}: rlnoise sweep --env-id TwoBales-v0 {shlex.join(flags)}")
        for group, commands in GROUPS.items():
            for name, command in commands.items():
                print(f"{group}/{name}: rlnoise {shlex.join(command)}")
        print(f"algorithms/log-ratios: {LOG_RATIO} of algorithms/twobales's {', '.join(LOG_RATIOS.values())}")
        print(f"capacity-quantize: rlnoise evaluate --quantize {{{','.join(QUANTIZE)}}} of capacity-dropout")
        return 0
    jobs = targets()
    for name in args.only or jobs:
        jobs[name](args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
