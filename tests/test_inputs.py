"""Every input mistake is one line and exit code 2, found before any work starts."""

import os
import sys

import pytest
import torch
from conftest import refused

ARGUMENTS = "(its arguments: center, half_gap, width, render_mode)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed: must be in 0..4294967295, got -1"),
        (["--seed", "4294967296"], "--seed: must be in 0..4294967295, got 4294967296"),
        (["--device", "foo"], "unknown --device 'foo'; use cpu, cuda or cuda:N"),
        (["--device", "meta"], "--device meta: rlnoise runs on cpu or cuda"),
        (["--env-kwargs", '{"speed": 1}'], f"unexpected keyword argument 'speed' {ARGUMENTS}"),
        (
            ["--env-kwargs", '{"width": 0}'],
            f'rejects --env-kwargs {{"width": 0}}: width must be > 0, got 0 {ARGUMENTS}',
        ),
        (
            ["--env-kwargs", '{"width": "wide"}'],
            f"'<=' not supported between instances of 'str' and 'int' {ARGUMENTS}",
        ),
        (["--env-id", ":TwoBales-v0"], "env id ':TwoBales-v0' is not `Name` or `my_pkg.my_module:Name`"),
        (["--agent", "..x:categorical"], "agent '..x:categorical' is not `Name`"),
        (["--env-id", "CartPole-v1"], "CartPole-v1 declares no mode labels"),
        (
            ["--threads", str((os.cpu_count() or 1) + 1)],
            f"is more than this machine's {os.cpu_count()} cores",
        ),
        (
            ["--hidden", "1000000"],
            "GiB, most of it for its weights (--hidden 1000000, --layers 2): more than the limit",
        ),
        (
            ["--num-steps", "1000000000"],
            "most of it for its training batch (--num-envs x --num-steps = 1024000000000)",
        ),
        (["--eval-contexts", "1000000", "--eval-samples", "100000"], "for its evaluation (--eval-contexts x"),
        (["--run-name", "../../x"], "--run-name '../../x' must be a plain directory name inside --logdir"),
        (["--run-name", ".."], "--run-name '..' must be a plain directory name"),
        (["--run-name", "a/b"], "--run-name 'a/b' must be a plain directory name"),
        (["--clip-coef", "0.3"], "--clip-coef applies to --algo ppo, not --algo reinforce"),
        (["--algo", "bc", "--no-clip-vloss"], "--clip-vloss applies to --algo ppo, not --algo bc"),
        (["--algo", "ppp"], "unknown --algo 'ppp'; did you mean ppo? valid: reinforce, ppo, bc"),
        (["--algo", "ppo", "--clip-coef", "0"], "--clip-coef: must be > 0, got 0"),
        (["--algo", "ppo", "--gae-lambda", "1.5"], "--gae-lambda: must be in [0, 1], got 1.5"),
        (["--algo", "ppo", "--gae-lambda", "-0.1"], "--gae-lambda: must be in [0, 1], got -0.1"),
    ],
)
def test_train_refuses_bad_input_in_one_line_before_any_work(tmp_path, capsys, args, message):
    code, lines = refused(["train", "--logdir", str(tmp_path / "runs"), *args], capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0], lines
    assert lines[0].startswith("rlnoise train: error: ")
    assert not (tmp_path / "runs").exists() and not (tmp_path / "x").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this torch build has CUDA and sees a GPU")
def test_cuda_on_a_cpu_build_is_one_line(tmp_path, capsys):
    code, lines = refused(["train", "--device", "cuda", "--logdir", str(tmp_path)], capsys)
    assert code == 2 and lines == [
        "rlnoise train: error: --device cuda: this torch build has no CUDA support or sees no GPU; use cpu"
    ]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            ["compare", "--logdir", "{runs}", "--seeds", "1,4294967296"],
            "--seeds: expected seeds such as 1-5 or 1,2,3, each in 0..",
        ),
        (
            ["compare", "--logdir", "{runs}", "--env-kwargs", '{{"speed": 1}}'],
            f"unexpected keyword argument 'speed' {ARGUMENTS}",
        ),
        (["compare", "--logdir", "{runs}", "--threads", "100000"], "--threads 100000 is more than"),
        (["evaluate", "somewhere", "--seed", "-1"], "--seed: must be in 0..4294967295, got -1"),
    ],
)
def test_other_commands_refuse_bad_input_in_one_line(tmp_path, capsys, command, message):
    code, lines = refused([part.format(runs=tmp_path / "runs") for part in command], capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "runs").exists()


def test_a_user_module_that_raises_on_import_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "broken_user_env.py").write_text("raise RuntimeError('no network here')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    code, lines = refused(["train", "--env-id", "broken_user_env:Mine-v0"], capsys)
    assert code == 2 and lines == [
        "rlnoise train: error: module 'broken_user_env' of env id 'broken_user_env:Mine-v0' raised "
        "RuntimeError on import: no network here"
    ]
