"""Gymnasium's module syntax, `--env-id my_pkg.my_env:MyEnv-v0`, in every command.

A tiny user package is written to a temporary directory; each command runs in its own process,
so the module must be imported again wherever the environment is made: in `train`, and in
`evaluate` of a saved run. The package is found through PYTHONPATH, or from the current
directory. (`check-env`, and the worker processes of `compare`, run the guides' own modules in
test_guides.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV_ID = "my_pkg.my_env:MyBales-v0"
USER_ENV = '''
import gymnasium as gym

from rlnoise.envs.two_bales import TwoBalesEnv, TwoBalesVectorEnv


class MyBalesEnv(TwoBalesEnv):
    """TwoBales under another name, registered by the user's own module, without a vector env."""


class SilentBalesEnv(TwoBalesEnv):
    """TwoBales that does not say where its misses land (no info["between"])."""

    def step(self, action):
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward, terminated, truncated, {"mode": info["mode"]}


class SilentBalesVectorEnv(TwoBalesVectorEnv):
    def step(self, actions):
        observations, rewards, terminated, truncated, infos = super().step(actions)
        del infos["final_info"]["between"], infos["final_info"]["_between"]
        return observations, rewards, terminated, truncated, infos


gym.register(id="MyBales-v0", entry_point="my_pkg.my_env:MyBalesEnv")
gym.register(
    id="SilentBales-v0",
    entry_point="my_pkg.my_env:SilentBalesEnv",
    vector_entry_point="my_pkg.my_env:SilentBalesVectorEnv",
)
'''
SMALL = ["--total-timesteps", "256", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "4"]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the user's package `my_pkg`, outside the repository."""
    root = tmp_path_factory.mktemp("user")
    (root / "my_pkg").mkdir()
    (root / "my_pkg" / "__init__.py").write_text("")
    (root / "my_pkg" / "my_env.py").write_text(USER_ENV)
    return root


def rlnoise(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    """Run the `rlnoise` command in a new process."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath is not None:
        environment["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", "import sys; from rlnoise.cli import main; sys.exit(main())", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_train_then_evaluate_a_user_environment(package: Path, tmp_path: Path) -> None:
    logdir = tmp_path / "runs"
    trained = rlnoise(
        "train", "--env-id", ENV_ID, *SMALL, "--logdir", str(logdir), "--run-name", "r", cwd=package
    )
    assert trained.returncode == 0, trained.stderr
    assert json.loads((logdir / "r" / "config.json").read_text())["env_id"] == ENV_ID

    evaluated = rlnoise("evaluate", str(logdir / "r"), "--env-id", ENV_ID, cwd=tmp_path, pythonpath=package)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "sampled" in evaluated.stdout
    assert "deterministic" in evaluated.stdout


@pytest.mark.parametrize("command", [["train", "--env-id"], ["check-env"], ["compare", "--env-id"]])
def test_unimportable_module_is_one_line_exit_2(command: list[str], tmp_path: Path) -> None:
    result = rlnoise(*command, "no_such_pkg.envs:Nope-v0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "cannot import module 'no_such_pkg.envs'" in result.stderr


@pytest.mark.slow
def test_a_user_env_that_does_not_say_what_is_between_reads_diffuse_and_is_warned(
    package: Path, tmp_path: Path
) -> None:
    checked = rlnoise("check-env", "my_pkg.my_env:SilentBales-v0", cwd=package)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert 'warn  between                the env does not report info["between"]' in checked.stdout

    # The regression agent plays the midpoint, but the env does not say that is between the bales.
    logdir = tmp_path / "runs"
    env_id = "my_pkg.my_env:SilentBales-v0"
    # The schedule of tests/test_sweep.py's SHORT, on which the regressor already averages.
    trained = rlnoise("train", "--env-id", env_id, "--agent", "regression", "--logdir", str(logdir),
                      "--run-name", "r", "--total-timesteps", "76800", "--learning-rate", "0.01",
                      cwd=package)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    deterministic = json.loads((logdir / "r" / "evaluation.json").read_text())["deterministic"]
    assert deterministic["hit_rate"] == 0.0
    assert deterministic["outcome"] == "diffuse"


@pytest.mark.slow
def test_user_modules_named_like_rlnoise_s_folders_work(tmp_path: Path) -> None:
    # rlnoise's envs/ and agents/ install as rlnoise.envs and rlnoise.agents: no clash with a
    # user's envs.py and agents.py, the first names anyone picks.
    (tmp_path / "envs.py").write_text(
        "import gymnasium as gym\n"
        "from rlnoise.envs.two_bales import TwoBalesEnv, TwoBalesVectorEnv\n"
        "gym.register(id='Tripod-v0', entry_point='envs:Tripod', vector_entry_point='envs:TripodVector')\n"
        "Tripod, TripodVector = TwoBalesEnv, TwoBalesVectorEnv\n"
    )
    (tmp_path / "agents.py").write_text(
        "from rlnoise import agents\n"
        "agents.register('mine', 'rlnoise.agents.categorical:CategoricalPolicy')\n"
    )
    env_id, agent = "envs:Tripod-v0", "agents:mine"
    checked = rlnoise("check-env", env_id, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[-1] == f"{env_id}: all rules pass"
    trained = rlnoise(
        "train",
        "--env-id",
        env_id,
        "--agent",
        agent,
        *SMALL,
        "--logdir",
        "runs",
        "--run-name",
        "r",
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    compared = rlnoise(
        "compare",
        "--env-id",
        env_id,
        "--agents",
        agent,
        *SMALL,
        "--seeds",
        "1",
        "--logdir",
        "cmp",
        cwd=tmp_path,
    )
    assert compared.returncode == 0, compared.stderr
    assert (tmp_path / "cmp" / "results.md").is_file()
