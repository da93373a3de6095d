"""The naming rules of `rlnoise.names`: `module:Name` resolved once, run directory names, flags."""

from __future__ import annotations

import importlib
import os
import re
import sys
import time
from dataclasses import fields

import pytest

from rlnoise import names
from rlnoise.cli import build_parser, main
from rlnoise.config import Config
from rlnoise.errors import UsageError


def test_a_module_name_is_imported_and_put_on_the_path_once(tmp_path, monkeypatch):
    (tmp_path / "resolve_once.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [path for path in sys.path if path != str(tmp_path)])
    imported = []
    monkeypatch.setattr(importlib, "import_module", lambda name: imported.append(name))
    monkeypatch.setattr(names, "RESOLVED", {})
    assert [names.resolve("resolve_once:Thing-v0", "env id") for _ in range(3)] == ["Thing-v0"] * 3
    assert imported == ["resolve_once"] and sys.path.count(str(tmp_path)) == 1


@pytest.mark.parametrize("kind", ["env id", "agent"])
def test_env_ids_and_agents_share_one_error_path(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=f"cannot import module 'no_such_module' of {kind} "):
        names.resolve("no_such_module:Thing", kind)
    with pytest.raises(UsageError, match=f"{kind} 'a b:Thing' is not"):
        names.resolve("a b:Thing", kind)


def test_single_and_compared_runs_are_named_by_one_rule():
    assert names.run_name("my_pkg.agents:deep", 3) == "my_pkg.agents_deep__seed3"
    single = names.run_name("my_pkg.agents:deep", 3, "my_envs:Fork-v0", "20250101-120000-3fa2c1")
    assert single == "my_envs_Fork-v0__my_pkg.agents_deep__seed3__20250101-120000-3fa2c1"
    assert ":" not in single and "/" not in names.file_name("a/b:c")


# Every training setting's flag as the README, the guides and `--help` spell it, given a value that
# is not its default, and the value the setting then holds (None: a switch, given bare).
FLAGS = {
    "env_id": ("--env-id", "MultiGoal-v0", "MultiGoal-v0"),
    "agent": ("--agent", "mixture", "mixture"),
    "seed": ("--seed", "7", 7),
    "run_name": ("--run-name", "mine", "mine"),
    "logdir": ("--logdir", "elsewhere", "elsewhere"),
    "device": ("--device", "cuda", "cuda"),
    "threads": ("--threads", "2", 2),
    "algo": ("--algo", "ppo", "ppo"),
    "total_timesteps": ("--total-timesteps", "640", 640),
    "num_envs": ("--num-envs", "32", 32),
    "num_steps": ("--num-steps", "3", 3),
    "learning_rate": ("--learning-rate", "0.01", 0.01),
    "optimizer": ("--optimizer", "sgd", "sgd"),
    "momentum": ("--momentum", "0.5", 0.5),
    "grad_delay": ("--grad-delay", "2", 2),
    "async_workers": ("--async-workers", "2", 2),
    "ent_coef": ("--ent-coef", "0.05", 0.05),
    "norm_adv": ("--norm-adv", None, True),
    "max_grad_norm": ("--max-grad-norm", "0.5", 0.5),
    "gamma": ("--gamma", "0.9", 0.9),
    "num_minibatches": ("--num-minibatches", "2", 2),
    "update_epochs": ("--update-epochs", "3", 3),
    "clip_coef": ("--clip-coef", "0.1", 0.1),
    "gae_lambda": ("--gae-lambda", "0.8", 0.8),
    "clip_vloss": ("--no-clip-vloss", None, False),
    "vf_coef": ("--vf-coef", "0.25", 0.25),
    "anneal_lr": ("--no-anneal-lr", None, False),
    "target_kl": ("--target-kl", "0.02", 0.02),
    "hidden": ("--hidden", "16", 16),
    "layers": ("--layers", "3", 3),
    "sigma": ("--sigma", "0.3", 0.3),
    "bins": ("--bins", "21", 21),
    "dropout": ("--dropout", "0.1", 0.1),
    "param_noise": ("--param-noise", "0.2", 0.2),
    "param_noise_target": ("--param-noise-target", "0.3", 0.3),
    "noisy_net": ("--noisy-net", None, True),
    "grad_noise": ("--grad-noise", "0.01", 0.01),
    "grad_noise_decay": ("--grad-noise-decay", "0.6", 0.6),
    "init": ("--init", "symmetric", "symmetric"),
    "weight_noise": ("--weight-noise", "0.5", 0.5),
    "binarize": ("--binarize", None, True),
    "stochastic_depth": ("--stochastic-depth", "0.2", 0.2),
    "bottleneck": ("--bottleneck", "4", 4),
    "beta": ("--beta", "0.1", 0.1),
    "eval_every": ("--eval-every", "5", 5),
    "eval_contexts": ("--eval-contexts", "4", 4),
    "eval_samples": ("--eval-samples", "8", 8),
    "picture_every": ("--picture-every", "2", 2),
    "env_kwargs": ("--env-kwargs", '{"goal_reward": 5.0}', {"goal_reward": 5.0}),
    "agent_settings": ("--components", "3", {"components": 3}),  # an agent's own setting
}


def test_every_training_setting_is_set_by_its_flag():
    assert set(FLAGS) == {item.name for item in fields(Config)}  # a new setting is named here too
    argv = [word for flag, value, _ in FLAGS.values() for word in (flag, value) if word is not None]
    parsed = vars(build_parser().parse_args(["train", *argv]))  # the Config is made from these by name
    parsed["agent_settings"] = {"components": parsed["components"]}
    assert {name: parsed[name] for name in FLAGS} == {name: value for name, (*_, value) in FLAGS.items()}


def test_a_run_started_without_a_name_is_named_env_agent_seed_and_time(tmp_path):
    tiny = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "1", "--eval-samples", "1"]
    started = time.time()
    assert main(["train", "--agent", "regression", "--seed", "4", "--logdir", str(tmp_path), *tiny]) == 0
    (name,) = os.listdir(tmp_path)
    made = re.fullmatch(r"TwoBales-v0__regression__seed4__(\d{8}-\d{6})-[0-9a-f]{6}", name)
    assert made, name
    when = time.mktime(time.strptime(made.group(1), "%Y%m%d-%H%M%S"))  # the local time it started
    assert started - 1 <= when <= time.time()
