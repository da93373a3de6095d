"""Training outcomes on TwoBales-v0: the regression agent averages, the categorical agent covers.

These are the project's headline experiment, seeded and at the default settings (the default
schedule takes a few seconds), and the two other regimes: a narrow exploration noise makes the
regression agent commit (noisily: most of its samples miss, yet it is committed, not averaged),
and a small entropy bonus makes the categorical agent commit.
"""

import json
import subprocess
import sys

import pytest

from rlnoise.config import Config
from rlnoise.metrics import OUTCOMES
from rlnoise.train import train


def run(tmp_path, **settings):
    return train(Config(logdir=str(tmp_path), **settings), progress=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])  # seeds 4 and 5 too in docs/results/twobales.md
def test_headline_regression_averages_and_categorical_covers(tmp_path, seed):
    regression = run(tmp_path, agent="regression", seed=seed)
    assert regression["deterministic"]["outcome"] == "averaged"
    assert regression["deterministic"]["between_rate"] > 0.95
    # Its samples spread about one unit around the midpoint: mostly neither between nor on a bale.
    assert regression["sampled"]["outcome"] == "diffuse"
    categorical = run(tmp_path, agent="categorical", seed=seed)
    assert categorical["sampled"]["outcome"] == "covering"
    assert categorical["sampled"]["return"] >= 0.75


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_regression_with_narrow_noise_commits_in_both_modes(tmp_path, seed):
    result = run(tmp_path, agent="regression", sigma=0.2, seed=seed)
    assert result["deterministic"]["outcome"] == "committed"
    assert result["deterministic"]["return"] > 0.8
    assert result["sampled"]["outcome"] == "committed"
    assert result["sampled"]["collapse_rate"] > 0.5  # most samples miss, and it is still committed


@pytest.mark.slow
def test_categorical_with_small_entropy_bonus_commits(tmp_path):
    result = run(tmp_path, agent="categorical", ent_coef=0.01, seed=1)
    assert result["sampled"]["outcome"] == "committed"


@pytest.mark.slow  # three runs: about 5 s
def test_same_seed_gives_identical_evaluation(tmp_path):
    settings = {"agent": "categorical", "seed": 7, "total_timesteps": 50 * 1024}
    first = run(tmp_path / "a", **settings)
    second = run(tmp_path / "b", **settings)
    assert first["sampled"] == second["sampled"] and first["deterministic"] == second["deterministic"]
    third = run(tmp_path / "c", **{**settings, "seed": 8})
    assert third["sampled"] != first["sampled"]


def test_run_directory_holds_config_model_and_evaluation(tmp_path):
    result = run(tmp_path, agent="regression", total_timesteps=10 * 1024, run_name="small")
    directory = tmp_path / "small"
    assert result["directory"] == str(directory)
    assert json.loads((directory / "config.json").read_text())["agent"] == "regression"
    evaluation = json.loads((directory / "evaluation.json").read_text())
    assert evaluation["deterministic"]["return"] == result["deterministic"]["return"]
    assert (directory / "model.pt").stat().st_size > 0


@pytest.mark.slow
def test_train_is_a_library_call_after_the_environments_are_registered(tmp_path):
    # The core never imports rlnoise.envs (docs/design.md section 1): a library call registers the
    # built-in environments itself, and one that forgets is told how.
    call = (
        "from rlnoise.config import Config; from rlnoise.train import train; "
        f"print(train(Config(total_timesteps=64, num_envs=64, eval_contexts=2, eval_samples=2, "
        f"logdir={str(tmp_path)!r}), progress=False)['sampled']['outcome'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import rlnoise.envs; {call}"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] in OUTCOMES
    forgot = subprocess.run([sys.executable, "-c", call], capture_output=True, text=True, cwd=tmp_path)
    assert "unknown env id 'TwoBales-v0'" in forgot.stderr
    assert "`import rlnoise.envs` registers rlnoise's own environments" in forgot.stderr
