"""Random flags and random config.json edits: every outcome is a result or one line, never a traceback.

Each case draws, from a seeded generator, a few flags of `train` (or edits of a saved run's
config.json and flags of `evaluate`) among valid, edge and absurd values, and runs the command
in this process (an exception other than the command's own exit would fail the test). Exit
code 0, or 1 or 2 with exactly one line on stderr; no temporary file left behind; every JSON
file written parses as strict JSON; every model.pt loads as weights only and is finite.
"""

import json
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
    "--sigma": ["1", "1e-30", "inf", "0"],
    "--bins": ["1", "2", "41", "x"],
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
    "bins": [1, 41, 7],
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
