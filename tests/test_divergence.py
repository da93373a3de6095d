"""The NaN/inf guard: a diverged training stops with one line and keeps the last finite weights."""

import re
from pathlib import Path

import pytest
import torch
from conftest import messages

from rlnoise.cli import main
from rlnoise.optimizers import Optimizer

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


PPO_ONE_STEP = ["--algo", "ppo", "--num-minibatches", "1", "--update-epochs", "1"]
"""PPO with one optimiser step per update, as the other algorithms take."""
SHORT = ["--total-timesteps", "256", "--num-envs", "32", "--eval-contexts", "1", "--eval-samples", "1"]


def applied_gradients(tmp_path: Path, monkeypatch, flags: list[str]) -> list[torch.Tensor]:
    """Train through the command line with `flags`: the gradient each optimiser step applied, flat
    (read by a hook after the step, which leaves the gradients as it applied them)."""
    gradients = []

    def record(optimizer: Optimizer, args: object, kwargs: object) -> None:
        weights = [weight for group in optimizer.param_groups for weight in group["params"]]
        gradients.append(torch.cat([weight.grad.flatten() for weight in weights if weight.grad is not None]))

    init = Optimizer.__init__

    def hooked(optimizer: Optimizer, *args: object) -> None:
        init(optimizer, *args)
        optimizer.register_step_post_hook(record)

    with monkeypatch.context() as patch:
        patch.setattr(Optimizer, "__init__", hooked)
        assert main(["train", "--logdir", str(tmp_path), *SHORT, *flags]) == 0
    return gradients


@pytest.mark.parametrize(
    "algo",
    [
        pytest.param(["--algo", "reinforce"], id="reinforce"),
        # the same gradient step clips every algorithm's gradient: the others in the slow suite
        pytest.param(PPO_ONE_STEP, id="ppo", marks=pytest.mark.slow),
        pytest.param(["--algo", "bc"], id="bc", marks=pytest.mark.slow),
    ],
)
def test_max_grad_norm_scales_every_applied_gradient_down_to_it(tmp_path, monkeypatch, algo):
    limit = 0.05
    free = applied_gradients(tmp_path, monkeypatch, [*algo, "--run-name", "free"])
    clipped = applied_gradients(
        tmp_path, monkeypatch, [*algo, "--run-name", "clipped", "--max-grad-norm", str(limit)]
    )
    assert len(clipped) == len(free) == 8  # one step per update
    free_norms = [gradient.norm().item() for gradient in free]
    assert min(free_norms) > limit  # without the flag, every step's gradient is longer than the limit
    # At most the limit, and scaled to it, not below (torch divides by the norm plus 1e-6).
    assert all(limit * (1 - 1e-4) < gradient.norm().item() <= limit * (1 + 1e-6) for gradient in clipped)
    # The first update starts from the same weights and batch in both runs: the same direction.
    torch.testing.assert_close(clipped[0], free[0] * (limit / free_norms[0]), rtol=1e-4, atol=1e-9)


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
