"""The NaN/inf guard: a diverged training stops with one line and keeps the last finite weights."""

import re

import pytest
import torch
from conftest import messages

from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.train import train

TINY = ["--total-timesteps", "640", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]


def test_a_diverged_training_is_one_line_exit_1_and_keeps_the_last_finite_weights(tmp_path, capsys):
    assert (
        main(["train", "--learning-rate", "1e37", "--logdir", str(tmp_path), "--run-name", "r", *TINY]) == 1
    )
    lines = messages(capsys.readouterr().err)
    pattern = r"rlnoise train: error: training diverged at update (\d+): non-finite [a-z ]+; "
    match = re.fullmatch(pattern + r"last good weights kept from step (\d+)", lines[0])
    assert len(lines) == 1 and match, lines
    assert int(match.group(2)) == (int(match.group(1)) - 1) * 32  # the weights the bad update started from
    weights = torch.load(tmp_path / "r" / "model.pt", weights_only=True)
    assert all(torch.isfinite(weight).all() for weight in weights.values())
    assert not (tmp_path / "r" / "evaluation.json").exists()


@pytest.mark.parametrize("flag", ["--learning-rate", "--ent-coef", "--sigma", "--gamma", "--max-grad-norm"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
def test_number_flags_refuse_inf_and_nan(flag, value, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["train", f"{flag}={value}"])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{flag}: must be a finite number, got {value}" in error, error


def test_env_kwargs_refuse_nan(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["train", "--env-kwargs", '{"width": NaN}'])
    assert exit.value.code == 2 and "--env-kwargs: expected a JSON object" in capsys.readouterr().err


def test_max_grad_norm_clips_the_gradient(tmp_path):
    settings = {"agent": "categorical", "seed": 2, "total_timesteps": 20 * 256, "num_envs": 256,
                "eval_contexts": 4, "eval_samples": 8}  # fmt: skip
    free = train(Config(logdir=str(tmp_path / "free"), **settings), progress=False)
    clipped = train(Config(logdir=str(tmp_path / "clipped"), max_grad_norm=1e-7, **settings), progress=False)
    assert clipped["sampled"] != free["sampled"]


@pytest.mark.slow
def test_ppo_s_ratio_on_a_tail_sample_is_reported_as_a_gradient_norm_that_overflows(tmp_path, capsys):
    # The probe: parameter noise draws samples far in the mixture's tail (log-probability
    # -77); one Adam step raises one by 58 nats, PPO's unclipped side for a negative advantage gives a
    # loss of 5e22 and finite gradient entries whose float32 norm overflows. No NaN is computed.
    flags = ["--algo", "ppo", "--agent", "mixture", "--env-id", "GoOpening-v0", "--param-noise", "0.1"]
    flags += ["--total-timesteps", "2048", "--eval-contexts", "2", "--eval-samples", "2"]
    assert main(["train", *flags, "--logdir", str(tmp_path), "--run-name", "r"]) == 1
    lines = messages(capsys.readouterr().err)
    assert len(lines) == 1 and "non-finite gradient norm (every entry is finite, up to " in lines[0], lines
