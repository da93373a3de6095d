"""The capacity lab's noise on the weights (issue 23): post-training quantization
(`rlnoise evaluate --quantize`, rlnoise/quantize.py) and stochastic depth (`--stochastic-depth`,
rlnoise/depth.py)."""

import json

import pytest
import torch
from conftest import refused
from torch import nn

from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.depth import StochasticDepth
from rlnoise.plan import build_policy, make_plan
from rlnoise.quantize import quantize, quantized
from rlnoise.train import train


@pytest.mark.parametrize("bits", [8, 4])
def test_quantized_weights_take_few_values_within_half_a_step(bits):
    weight = torch.randn(64, 48, generator=torch.Generator().manual_seed(0))
    levels = 2 ** (bits - 1) - 1
    step = weight.abs().max() / levels
    result = quantized(weight, bits)
    assert len(torch.unique(result)) <= 2**bits
    assert float((result - weight).abs().max()) <= float(step) / 2 * (1 + 1e-5)
    assert torch.allclose(torch.round(result / step), result / step, atol=1e-4)  # on the grid
    assert float(result.abs().max()) == pytest.approx(float(weight.abs().max()))  # the largest is exact


def test_quantize_replaces_every_linear_weight_and_keeps_the_biases():
    torch.manual_seed(0)
    policy = build_policy(make_plan(Config(agent="categorical", hidden=16)))
    linears = [module for module in policy.modules() if isinstance(module, nn.Linear)]
    biases = [linear.bias.clone() for linear in linears]
    figures = quantize(policy, 4)
    assert all(len(torch.unique(linear.weight)) <= 16 for linear in linears)
    assert all(torch.equal(linear.bias, bias) for linear, bias in zip(linears, biases, strict=True))
    count = sum(linear.weight.numel() for linear in linears)
    assert figures == {"weight_bits": 4, "quantized_weights": count, "weight_bit_budget": 4 * count}


@pytest.mark.slow
def test_int8_keeps_a_memorize_policys_bits_and_int4_loses_more(tmp_path, capsys):
    runs = tmp_path / "runs"
    table = ["--env-id", "Memorize-v0", "--algo", "bc", "--env-kwargs", '{"keys": 64, "answers": 4}']
    steps = ["--total-timesteps", "25600", "--num-envs", "256", "--eval-every", "10"]
    main(["train", *table, *steps, "--logdir", str(runs), "--run-name", "m"])
    bits = {}
    for way in ("full", "int8", "int4"):
        path = tmp_path / f"{way}.json"
        quantization = [] if way == "full" else ["--quantize", way]
        assert main(["evaluate", str(runs / "m"), "--json", str(path), *quantization]) == 0
        bits[way] = json.loads(path.read_text())
    full = json.loads((runs / "m" / "evaluation.json").read_text())["bits_stored"]
    assert bits["full"]["bits_stored"] == full and full > 100  # the run stored most of its 128 bits
    assert abs(bits["int8"]["bits_stored"] - full) <= 0.03 * full
    assert full - bits["int4"]["bits_stored"] > abs(full - bits["int8"]["bits_stored"])
    assert bits["int4"]["weight_bits"] == 4 and bits["int8"]["quantize"] == "int8"
    assert "quantize" not in bits["full"]
    assert "quantized int4 (per tensor, symmetric)" in capsys.readouterr().out


def block(p: float) -> StochasticDepth:
    """A stochastic-depth block of width 4 around a seeded linear layer."""
    torch.manual_seed(0)
    return StochasticDepth(nn.Linear(4, 4), p)


def test_stochastic_depth_skips_blocks_at_its_rate_in_training():
    depth, hidden = block(0.3), torch.randn(5, 4)
    kept = hidden + depth.block(hidden)
    outputs = [depth(hidden) for _ in range(4000)]
    skipped = sum(torch.equal(output, hidden) for output in outputs)
    assert all(torch.equal(output, hidden) or torch.equal(output, kept) for output in outputs)
    assert skipped / 4000 == pytest.approx(0.3, abs=0.03)  # about 4 standard deviations


def test_stochastic_depth_scales_its_block_by_the_survival_probability_in_evaluation():
    depth, hidden = block(0.3), torch.randn(5, 4)
    depth.eval()
    state = torch.get_rng_state()
    assert torch.allclose(depth(hidden), hidden + 0.7 * depth.block(hidden))
    assert torch.equal(torch.get_rng_state(), state)  # draws nothing


@pytest.mark.parametrize(("layers", "blocks"), [(2, 1), (4, 3)])
def test_stochastic_depth_makes_the_hidden_to_hidden_layers_residual(layers, blocks):
    policy = build_policy(make_plan(Config(agent="categorical", layers=layers, stochastic_depth=0.2)))
    depths = [module for module in policy.modules() if isinstance(module, StochasticDepth)]
    assert len(depths) == blocks
    assert all(depth.block[0].in_features == depth.block[0].out_features for depth in depths)
    plain = build_policy(make_plan(Config(agent="categorical", layers=layers)))
    assert not any(isinstance(module, StochasticDepth) for module in plain.modules())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stochastic-depth", "1"], "--stochastic-depth: must be in [0, 1), got 1"),
        (["--stochastic-depth", "0.2", "--layers", "1"], "--layers 1 has none"),
        (["--stochastic-depth", "0.2", "--agent", "flow"], "--stochastic-depth cannot apply to agent 'flow'"),
    ],
)
def test_bad_stochastic_depth_is_refused_with_one_line(args, message, tmp_path, capsys):
    code, lines = refused(["train", "--logdir", str(tmp_path / "runs"), *args], capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "runs").exists()


def test_an_unknown_quantization_is_refused_with_one_line(tmp_path, capsys):
    code, lines = refused(["evaluate", str(tmp_path), "--quantize", "int2"], capsys)
    assert code == 2 and len(lines) == 1 and "invalid choice: 'int2'" in lines[0]


@pytest.mark.parametrize(
    "algo",
    [  # about 1 s each on a quiet core, reinforce's first run longer
        "bc",
        pytest.param("reinforce", marks=pytest.mark.slow),
        pytest.param("ppo", marks=pytest.mark.slow),
    ],
)
def test_training_with_skipped_blocks_steps_without_their_gradients(tmp_path, algo):
    small = {
        "total_timesteps": 64 * 8,
        "num_envs": 64,
        "eval_every": 4,
        "eval_contexts": 4,
        "eval_samples": 8,
    }
    config = Config(
        agent="categorical",
        algo=algo,
        layers=3,
        stochastic_depth=0.5,
        logdir=str(tmp_path),
        run_name="sd",
        **small,
    )
    result = train(config, progress=False)
    assert result["global_step"] == 64 * 8 and (tmp_path / "sd" / "model.pt").is_file()
