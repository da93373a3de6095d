"""Random flags and random config.json edits: every outcome is a result or one line, never a traceback.

Each case draws, from a seeded generator, a few flags of `train` (or edits of a saved run's
config.json and flags of `evaluate`, or damage to a saved run's checkpoint before `--resume`)
among valid, edge and absurd values, and runs the command in this process (an exception other
than the command's own exit would fail the test). Exit code 0, or 1 or 2 with exactly one line
on stderr; no temporary file left behind; every JSON file written parses as strict JSON; every
model.pt loads as weights only and is finite. Beside them, the probes an adversarial user tried
(a grid of 10^8 values, `--bins 10^9`, settings the agent does not use) each exit 2 in one line
before any work.
"""

import importlib
import json
import pickle
import random
import shutil
import sys

import pytest
import torch
from conftest import messages, read_strict_json

from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.files import PARTIAL
from rlnoise.train import train

TRAIN_VALUES = {
    "--env-id": ["TwoBales-v0", "MultiGoal-v0", "GoOpening5x5-v0", ":TwoBales-v0", "CartPole-v1", "x:Y-v0"],
    "--agent": ["categorical", "regression", "categorial", ":categorical"],
    "--seed": ["0", "1", "-1", "4294967295", "4294967296", "one"],
    "--device": ["cpu", "cuda", "foo"],
    "--threads": ["1", "0", "100000"],
    "--total-timesteps": ["0", "-5", "1", "64", "1e9"],
    "--num-envs": ["0", "1", "8", "1e9", "100000000000"],
    "--num-steps": ["0", "1", "3", "200", "1000000000"],
    "--learning-rate": ["0.001", "1e37", "inf", "nan", "-1", "0"],
    "--ent-coef": ["0", "0.2", "nan", "-1", "1e30"],
    "--max-grad-norm": ["0.5", "0", "inf", "1e-30"],
    "--norm-adv": ["true", "false", "maybe"],
    "--gamma": ["0", "1", "2", "nan"],
    "--hidden": ["0", "1", "8", "1000000"],
    "--sigma": ["1", "1e-30", "inf", "0", "1e308"],
    "--bins": ["1", "2", "41", "x", "1000000000"],
    "--eval-every": ["0", "1", "1000"],
    "--eval-contexts": ["0", "1", "3"],
    "--eval-samples": ["0", "1", "5", "100000000000"],
    "--env-kwargs": ["{}", '{"speed": 1}', '{"width": NaN}', '{"width": 0}', "[1]", '{"width": 0.2}', "{"],
    "--run-name": ["ok", "../../x", "a/b", "..", ""],
}
CONFIG_VALUES = {
    "env_id": ["TwoBales-v0", 5, None, ":TwoBales-v0", "fuzz_trap:TwoBales-v0", "MultiGoal-v0", "Nope-v0"],
    "agent": ["regression", "fuzz_trap:categorical", 1.5, "", "categorial"],
    "seed": [0, -1, 2**32, "1", True],
    "threads": [0, 1, 100000, 1.0],
    "device": ["cpu", "cuda", "foo", 3],
    "hidden": [0, 8, 16, 10**9],
    "bins": [1, 41, 7, 10**9],
    "sigma": [1e308, 0.5],
    "eval_contexts": [0, 1, -3],
    "learning_rate": [0, 1e308, "fast"],
    "env_kwargs": [{}, {"speed": 1}, {"width": 0}, [], None],
    "num_envs": [0, 10**12],
    "max_grad_norm": [None, 0, 1.0],
    "colour": ["red"],
}
EVALUATE_VALUES = {
    "--contexts": ["0", "1", "2", "1e9", "100000000000"],
    "--samples": ["0", "1", "3", "x"],
    "--seed": ["0", "-1", "4294967296"],
    "--json": ["{out}", "{folder}", "{missing}"],
    "--trust-modules": [None],
}
TINY = ["--total-timesteps", "64", "--num-envs", "8", "--eval-contexts", "2", "--eval-samples", "2"]


def run_command(command, capsys):
    """Run `rlnoise COMMAND` in this process; return its exit code and the lines it left on stderr."""
    try:
        code = main(command)
    except SystemExit as exit:  # argparse's refusals
        code = exit.code
    return code, messages(capsys.readouterr().err)


def assert_whole_files(root):
    """No temporary file left; every JSON strict; every model.pt loadable as finite weights."""
    assert not list(root.rglob(f"*{PARTIAL}"))
    for path in root.rglob("*.json"):
        read_strict_json(path)
    for path in root.rglob("model.pt"):
        weights = torch.load(path, weights_only=True)
        assert all(torch.isfinite(weight).all() for weight in weights.values()), path


def draw(rng, values, count):
    """`count` distinct flags or fields and a random value for each."""
    return {name: rng.choice(values[name]) for name in rng.sample(sorted(values), count)}


@pytest.fixture
def trap(tmp_path, monkeypatch):
    """A module in the working directory that leaves a file if anything imports it."""
    (tmp_path / "fuzz_trap.py").write_text("import pathlib\npathlib.Path('trap-imported').touch()\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "fuzz_trap", raising=False)
    return tmp_path / "trap-imported"


@pytest.mark.parametrize("case", range(24))
def test_random_train_flags(case, tmp_path, capsys):
    rng = random.Random(case)
    flags = draw(rng, TRAIN_VALUES, rng.randint(1, 3))
    command = ["train", *TINY, "--logdir", str(tmp_path / "runs")]
    for name, value in flags.items():
        command.append(f"{name}={value}")
    code, lines = run_command(command, capsys)
    assert code in (0, 1, 2), (flags, code, lines)
    if code:
        assert len(lines) == 1 and lines[0].startswith("rlnoise train: error: "), (flags, lines)
    else:
        assert len(list((tmp_path / "runs").glob("*/evaluation.json"))) == 1, flags
    assert not (tmp_path / "x").exists()
    assert_whole_files(tmp_path)


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A tiny trained run to copy and damage."""
    logdir = tmp_path_factory.mktemp("fuzz")
    train(Config(logdir=str(logdir), run_name="run", total_timesteps=64, num_envs=8, eval_contexts=2,
                 eval_samples=2), progress=False)  # fmt: skip
    return logdir / "run"


@pytest.mark.parametrize("case", range(24))
def test_random_config_edits_and_evaluate_flags(case, saved_run, tmp_path, trap, capsys):
    rng = random.Random(1000 + case)
    directory = tmp_path / "run"
    shutil.copytree(saved_run, directory)
    edits = draw(rng, CONFIG_VALUES, rng.randint(1, 2))
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps({**config, **edits}))
    flags = draw(rng, EVALUATE_VALUES, rng.randint(0, 2))
    paths = {"out": tmp_path / "out.json", "folder": tmp_path, "missing": tmp_path / "no" / "out.json"}
    command = ["evaluate", str(directory)]
    for name, value in flags.items():
        command += [name] if value is None else [f"{name}={value.format(**paths)}"]
    code, lines = run_command(command, capsys)
    assert code in (0, 1, 2), (edits, flags, code, lines)
    if code:
        assert len(lines) == 1 and lines[0].startswith("rlnoise evaluate: error: "), (edits, flags, lines)
    if "--trust-modules" not in flags:
        assert not trap.exists(), (edits, flags)
    assert_whole_files(tmp_path)


@pytest.fixture(scope="module")
def checkpointed_run(tmp_path_factory):
    """A tiny trained run with a checkpoint, to copy and damage before `--resume`."""
    logdir = tmp_path_factory.mktemp("fuzz-resume")
    train(Config(logdir=str(logdir), run_name="run", total_timesteps=32, num_envs=8, eval_every=1,
                 eval_contexts=2, eval_samples=2), progress=False)  # fmt: skip
    return logdir / "run"


class Payload:
    """A pickle that imports the trap module when it is unpickled."""

    def __reduce__(self):
        return importlib.import_module, ("fuzz_trap",)


DAMAGES = ["cut", "empty", "noise", "other network", "missing part", "payload"]


def damage(kind, rng, data):
    """The good checkpoint's bytes `data` damaged as `kind` says, the details drawn by `rng`: what a
    crash, a full disk, a wrong copy or an attacker leaves, none of it this run's state."""
    import io

    checkpoint = torch.load(io.BytesIO(data), weights_only=True)
    if kind == "cut":
        return data[: rng.randrange(1, len(data))]
    if kind == "empty":
        return b""
    if kind == "noise":
        return rng.randbytes(rng.randrange(1, 4096))
    if kind == "payload":
        return pickle.dumps({"policy": Payload()}, protocol=rng.choice([2, 4]))
    if kind == "other network":
        checkpoint["policy"] = {"network.0.weight": torch.zeros(3, 3)}
    else:
        del checkpoint[rng.choice(sorted(checkpoint))]
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", range(8))
def test_random_damage_to_a_checkpoint_then_resume_is_one_line_and_marked_failed(
    case, checkpointed_run, tmp_path, trap, capsys
):
    rng = random.Random(2000 + case)
    directory = tmp_path / "run"
    shutil.copytree(checkpointed_run, directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))  # killed
    kind = DAMAGES[case % len(DAMAGES)]
    data = damage(kind, rng, (directory / "checkpoint.pt").read_bytes())
    (directory / "checkpoint.pt").write_bytes(data)
    weights = (directory / "model.pt").read_bytes()
    code, lines = run_command(["train", "--resume", str(directory)], capsys)
    path = directory / "checkpoint.pt"
    assert code == 1 and len(lines) == 1, (kind, code, lines)
    assert lines[0].startswith(f"rlnoise train: error: cannot resume from {path}: "), (kind, lines)
    manifest = read_strict_json(directory / "manifest.json")
    assert manifest["status"] == "failed" and lines[0].endswith(manifest["error"]), (kind, manifest)
    assert (directory / "model.pt").read_bytes() == weights, kind  # nothing overwritten
    assert not trap.exists(), kind
    assert_whole_files(tmp_path)


PROBES = [
    # Row 1: a grid of choices too large for memory is refused by the estimate before it is built.
    (["train", "--bins", "1000000000"], "this run needs about"),
    (["train", "--env-id", "MultiGoal-v0", "--bins", "100000"], "this run needs about"),
    (["evaluate", "{run}", "--edit", '{"bins": 1000000000}'], "this run needs about"),
    # Row 5: a number beyond float32 cannot enter a tensor.
    (["train", "--agent", "regression", "--sigma", "1e308"], "--sigma: must be at most 3.403e+38"),
    (["evaluate", "{run}", "--edit", '{"learning_rate": 1e308}'], "learning_rate must be at most 3.403e+38"),
    # Row 6: the standard deviation of one advantage is not a number.
    (["train", "--norm-adv", "--num-envs", "1"], "--norm-adv needs at least 2 advantages per batch"),
    (
        ["train", "--algo", "ppo", "--norm-adv", "--num-envs", "5", "--num-minibatches", "2"],
        "--norm-adv needs at least 2 advantages per minibatch",
    ),
    # Row 10: a grid's size is checked before it is built.
    (["sweep", "--vary", "sigma=1:2:100000000"], "range '1:2:100000000' has 100,000,000 values"),
    (["sweep", "--vary", "sigma=1:2:1000", "--vary", "ent_coef=0.1:1:1000"], "this grid has 10,000,000 runs"),
    (["compare", "--seeds", "1-1000000000"], "names more seeds than a grid's 10,000 runs"),
    # Row 13: a setting that the agent or the algorithm does not use is refused, naming who uses it.
    (["train", "--agent", "categorical", "--sigma", "0.5"], "--sigma is a setting of agent regression, not"),
    (["train", "--agent", "gaussian", "--bins", "7"], "--bins sets the choices of agent categorical;"),
    (["train", "--agent", "mixture", "--bins", "5"], "--bins sets the choices of agent categorical;"),
    (["train", "--env-id", "GoOpening5x5-v0", "--bins", "5"], "GoOpening5x5-v0's actions are discrete"),
    (
        ["train", "--algo", "bc", "--norm-adv"],
        "--norm-adv applies to --algo reinforce and ppo, not --algo bc",
    ),
    (["train", "--algo", "bc", "--ent-coef", "0.1"], "--ent-coef applies to --algo reinforce and ppo"),
    (
        ["sweep", "--agents", "categorical", "--vary", "sigma=0.1,0.2"],
        "--sigma is a setting of agent regression",
    ),
    (["sweep", "--agents", "gaussian", "--vary", "bins=3,5"], "--bins sets the choices of agent categorical"),
    (["sweep", "--agents", "regression", "--vary", "clip_coef=0.1,0.2"], "--clip-coef applies to --algo ppo"),
]


@pytest.mark.parametrize(("command", "message"), PROBES, ids=[" ".join(probe[0]) for probe in PROBES])
def test_each_probe_of_an_adversarial_user_exits_2_in_one_line_before_any_work(
    command, message, saved_run, tmp_path, capsys
):
    if "--edit" in command:  # a run whose config.json was edited by hand
        directory = tmp_path / "run"
        shutil.copytree(saved_run, directory)
        config = json.loads((directory / "config.json").read_text())
        edit = json.loads(command[command.index("--edit") + 1])
        (directory / "config.json").write_text(json.dumps({**config, **edit}))
        command = ["evaluate", str(directory)]
    else:
        command = [*command, "--logdir", str(tmp_path / "runs")]
    code, lines = run_command(command, capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0], (code, lines)
    assert lines[0].startswith(f"rlnoise {command[0]}: error: "), lines
    assert not (tmp_path / "runs").exists()  # nothing made, nothing trained
