"""The capacity lab's noise sources (rlnoise/noisy_layers.py): weight noise and binarised weights."""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from test_capacity import train_memorize
from torch import nn

import rlnoise.envs  # noqa: F401  (registers TwoBales-v0, the default env)
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.noisy_layers import ChannelLinear
from rlnoise.plan import build_policy, make_plan


def seeded_policy(**settings) -> nn.Module:
    """A TwoBales regression policy built from seed 0 with the settings given."""
    torch.manual_seed(0)
    return build_policy(make_plan(Config(agent="regression", **settings)))


def layer(**settings) -> ChannelLinear:
    """A seeded 16-to-8 channel layer."""
    torch.manual_seed(0)
    return ChannelLinear(16, 8, **settings)


@pytest.mark.parametrize("state", ["train", "eval"])
def test_weight_noise_is_fresh_at_every_pass_with_the_stated_spread_in_both_states(state: str) -> None:
    noisy = layer(noise=0.5)
    getattr(noisy, state)()
    x = torch.randn(16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        outputs = torch.stack([noisy(x) for _ in range(4000)])
        clean = F.linear(x, noisy.weight, noisy.bias)
    assert not torch.equal(outputs[0], outputs[1])
    # y = (W + S std(W) E) x + b: each output's spread is S * std(W) * |x|, its mean the clean output.
    spread = 0.5 * noisy.weight.detach().std(correction=0) * x.norm()
    assert torch.allclose(outputs.std(0), spread.expand(8), rtol=0.06)
    assert torch.allclose(outputs.mean(0), clean, atol=4 * float(spread) / 4000**0.5)


def test_weight_noise_stays_on_in_deterministic_play() -> None:
    policy = seeded_policy(weight_noise=0.5)
    x = torch.randn(8, policy.observation_size)
    assert not torch.equal(policy.act(x, deterministic=True), policy.act(x, deterministic=True))
    assert policy.training  # back in training mode after


def test_the_channel_layers_take_the_plain_networks_weights_and_off_means_plain() -> None:
    plain, off, channel = seeded_policy(), seeded_policy(weight_noise=0.0), seeded_policy(binarize=True)
    assert not any(isinstance(module, ChannelLinear) for module in off.modules())
    assert [type(module) for module in off.modules()] == [type(module) for module in plain.modules()]
    for states in (off.state_dict(), channel.state_dict()):  # wrapping draws no new initialisation
        assert states.keys() == plain.state_dict().keys()
        assert all(torch.equal(states[name], value) for name, value in plain.state_dict().items())
    assert sum(isinstance(module, ChannelLinear) for module in channel.modules()) == 3


def test_binarized_forward_uses_two_values_and_the_gradient_reaches_the_real_weights() -> None:
    binary = layer(binary=True)
    with torch.no_grad():
        binary.weight[0, 0] = 1.5  # outside the straight-through window
    scale = float(binary.weight.detach().abs().mean())
    used = binary.channel_weight()
    assert set(used.unique().tolist()) == {scale, -scale}
    assert torch.equal(used > 0, binary.weight >= 0)
    x = torch.randn(5, 16)
    binary(x).sum().backward()
    # d/dW_b of sum(x W_b^T + b) is the column sums of x, passed straight through where |w| <= 1.
    expected = x.sum(0).expand(8, 16) * (binary.weight.abs() <= 1)
    assert torch.allclose(binary.weight.grad, expected) and binary.weight.grad[0, 0] == 0
    assert binary.weight.grad.count_nonzero() == 8 * 16 - 1


def test_binarized_and_noisy_weights_have_the_noise_at_the_binary_weights_scale() -> None:
    both = layer(noise=1.0, binary=True)
    with torch.no_grad():
        scale = both.weight.abs().mean()
        binarized = torch.where(both.weight >= 0, scale, -scale)
        noise = torch.stack([both.channel_weight() for _ in range(200)]) - binarized
    assert noise.std() == pytest.approx(float(scale), rel=0.05)  # std of +-scale is scale (nearly)


def test_noisy_net_with_a_channel_source_exits_2_with_one_line(capsys) -> None:
    assert main(["train", "--noisy-net", "--binarize"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--noisy-net cannot go with --weight-noise or --binarize" in error


def test_the_flags_are_documented(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--weight-noise WEIGHT_NOISE Gaussian noise on every weight" in help_text
    assert "--binarize, --no-binarize BinaryConnect" in help_text


@pytest.mark.slow
def test_weight_noise_stores_fewer_bits_and_a_binarized_policy_still_stores(tmp_path: Path) -> None:
    plain = train_memorize(tmp_path, "plain")
    noisy = train_memorize(tmp_path, "noisy", "--weight-noise", "1.0")
    binary = train_memorize(tmp_path, "binary", "--binarize")
    assert 0 < noisy["bits_stored"] < plain["bits_stored"] - 20
    assert binary["bits_stored"] > 20
    assert noisy["parameters"] == binary["parameters"] == plain["parameters"]
