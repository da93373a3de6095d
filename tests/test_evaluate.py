"""`rlnoise evaluate RUN_DIR`: reproduces a run's own final figures; bad run directories exit 2."""

import json
import pathlib
import shutil
import sys

import numpy as np
import pytest
import torch
from matplotlib.image import imread

from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.train import train


@pytest.fixture(scope="module")
def run_directory(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("runs")
    config = Config(agent="categorical", seed=3, logdir=str(logdir), run_name="run", num_envs=256,
                    total_timesteps=20 * 256, eval_contexts=8, eval_samples=16)  # fmt: skip
    train(config, progress=False)
    return logdir / "run"


def test_evaluate_reproduces_the_runs_final_figures(run_directory, tmp_path, capsys):
    out = tmp_path / "figures.json"
    assert main(["evaluate", str(run_directory), "--json", str(out)]) == 0
    saved = json.loads((run_directory / "evaluation.json").read_text())
    again = json.loads(out.read_text())
    for mode in ("sampled", "deterministic"):
        assert json.dumps(again[mode]) == json.dumps(saved[mode])  # exactly, nan included
    assert (again["contexts"], again["samples"], again["seed"]) == (8, 16, 3)
    printed = capsys.readouterr().out
    assert "sampled" in printed and "deterministic" in printed and "collapse_rate" in printed


def test_evaluate_redraws_the_runs_picture(run_directory, tmp_path):
    out = tmp_path / "policy.png"
    assert main(["evaluate", str(run_directory), "--picture", str(out)]) == 0
    assert np.array_equal(imread(out), imread(run_directory / "policy.png"))  # what training drew last


def test_evaluate_takes_other_contexts_samples_and_seed(run_directory, tmp_path):
    out = tmp_path / "figures.json"
    assert main(["evaluate", str(run_directory), "--contexts", "4", "--samples", "8", "--seed", "9",
                 "--json", str(out)]) == 0  # fmt: skip
    assert (json.loads(out.read_text())["contexts"], json.loads(out.read_text())["samples"]) == (4, 8)


class Trap:
    """An object whose unpickling would create a file: loading weights must never run it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def break_nothing(directory):
    shutil.rmtree(directory)


def break_by_emptying(directory):
    for path in directory.iterdir():
        path.unlink()


def break_config(directory):
    (directory / "config.json").write_text('{"env_id": "TwoBales-v0", "agent": ')


def break_config_keys(directory):
    (directory / "config.json").write_text('{"env_id": "TwoBales-v0", "colour": "red"}')


def break_model(directory):
    (directory / "model.pt").write_bytes(b"\x80\x02not a model at all")


def break_model_with_trap(directory):
    torch.save({"network.0.weight": Trap(directory / "unpickled")}, directory / "model.pt")


def break_model_shape(directory):
    torch.save({"network.0.weight": torch.zeros(3, 3)}, directory / "model.pt")


def break_model_with_nan(directory):
    weights = torch.load(directory / "model.pt", weights_only=True)
    torch.save(
        {name: torch.full_like(value, float("nan")) for name, value in weights.items()},
        directory / "model.pt",
    )


def break_config_with_overflow(directory):
    text = (directory / "config.json").read_text()
    (directory / "config.json").write_text(text.replace('"learning_rate": 0.003', '"learning_rate": 1e999'))


def edit_config(**changes):
    """A damage that sets some fields of config.json to other values."""

    def damage(directory):
        values = json.loads((directory / "config.json").read_text())
        (directory / "config.json").write_text(json.dumps({**values, **changes}))

    damage.__name__ = "edit_" + "_".join(changes)
    return damage


def remove_model(directory):
    (directory / "model.pt").unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (break_nothing, "no run directory"),
        (break_by_emptying, "not a run directory"),
        (break_config, "corrupted"),
        (break_config_keys, "corrupted"),
        (remove_model, "no model.pt"),
        (break_model, "corrupted"),
        (break_model_with_trap, "corrupted"),
        (break_model_shape, "does not fit"),
        (break_model_with_nan, "holds non-finite weights"),
        (edit_config(env_id=5), "env_id must be of type str, got 5"),
        (edit_config(threads=0), "threads must be > 0, got 0"),
        (edit_config(threads=100000), "--threads 100000 is more than"),
        (edit_config(seed=-1), "seed must be in 0..4294967295, got -1"),
        (edit_config(norm_adv=1), "norm_adv must be of type bool, got 1"),
        (edit_config(hidden=2.5), "hidden must be of type int, got 2.5"),
        (edit_config(learning_rate=float("nan")), "corrupted"),  # NaN, which strict JSON has not
        (break_config_with_overflow, "learning_rate must be a finite number, got inf"),
        (edit_config(device="foo"), "unknown --device 'foo'"),
        (edit_config(env_kwargs={"speed": 1}), "unexpected keyword argument 'speed'"),
        (edit_config(env_id="TwoBale-v0"), "did you mean TwoBales-v0"),
        (edit_config(agent="helper:categorical"), "names agent 'helper:categorical', whose module would run"),
        (edit_config(env_id="helper:TwoBales-v0"), "pass --trust-modules or --env-id helper:TwoBales-v0"),
    ],
)
def test_a_missing_empty_or_corrupted_run_is_one_line_and_exit_2(
    run_directory, tmp_path, capsys, damage, message
):
    directory = tmp_path / "copy"
    shutil.copytree(run_directory, directory)
    damage(directory)
    out = tmp_path / "figures.json"
    assert main(["evaluate", str(directory), "--json", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error and error.startswith("rlnoise evaluate: error:"), error
    assert not out.exists() and not list(tmp_path.glob(".*partial"))
    assert not (directory / "unpickled").exists()  # the trap was never unpickled


def test_a_module_named_by_config_json_runs_only_when_the_user_names_it(
    run_directory, tmp_path, capsys, monkeypatch
):
    directory = tmp_path / "copy"
    shutil.copytree(run_directory, directory)
    edit_config(agent="evaluate_trap:categorical")(directory)
    (tmp_path / "evaluate_trap.py").write_text("import pathlib\npathlib.Path('imported').touch()\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "evaluate_trap", raising=False)
    assert main(["evaluate", str(directory)]) == 2
    assert "--trust-modules" in capsys.readouterr().err and not (tmp_path / "imported").exists()
    assert main(["evaluate", str(directory), "--agent", "evaluate_trap:categorical"]) == 0
    assert (tmp_path / "imported").exists()
