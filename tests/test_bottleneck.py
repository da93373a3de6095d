"""The variational information bottleneck (rlnoise/bottleneck.py): `--bottleneck DIM --beta B`."""

import math
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_capacity import train_memorize
from torch import nn

import rlnoise.envs  # noqa: F401  (registers TwoBales-v0, the default env)
from rlnoise import agents
from rlnoise.bottleneck import Bottleneck, bottleneck_figures, bottleneck_kl
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.plan import build_policy, make_plan


def seeded_policy(**settings) -> nn.Module:
    """A TwoBales categorical policy built from seed 0 with the settings given."""
    torch.manual_seed(0)
    return build_policy(make_plan(Config(agent="categorical", **settings)))


def test_the_kl_is_the_closed_form_of_a_hand_case() -> None:
    layer = Bottleneck(3, 2)
    with torch.no_grad():  # units of mean (1, 0) and variance (4, 1), whatever the input
        layer.moments.weight.zero_()
        layer.moments.bias.copy_(torch.tensor([1.0, 0.0, math.log(4.0), 0.0]))
    layer(torch.randn(5, 3))
    # KL(N(mu, s^2) || N(0, 1)) = (s^2 + mu^2 - 1 - ln s^2) / 2 per unit: (4 + 1 - 1 - ln 4) / 2 + 0.
    expected = 2 - math.log(2)
    assert float(layer.kl.detach()) == pytest.approx(expected)
    holder = nn.Sequential(nn.Linear(3, 3), layer)
    assert float(bottleneck_kl(holder).detach()) == pytest.approx(expected)
    assert float(bottleneck_figures(holder)["bottleneck kl bits"]) == pytest.approx(expected / math.log(2))


def test_without_a_bottleneck_the_kl_is_zero_and_nothing_is_logged() -> None:
    policy = seeded_policy()
    assert bottleneck_kl(policy) == 0 and bottleneck_figures(policy) == {}


def test_the_layer_follows_the_first_hidden_layer_and_the_next_layer_takes_its_units() -> None:
    network = seeded_policy(bottleneck=3, layers=1, hidden=8).network
    assert [type(module) for module in network] == [nn.Linear, nn.Tanh, Bottleneck, nn.Linear]
    assert network[2].moments.in_features == 8 and network[2].moments.out_features == 6
    assert network[3].in_features == 3


def test_sampled_in_train_state_and_its_mean_drawing_nothing_in_eval_state() -> None:
    policy = seeded_policy(bottleneck=4)
    observations = torch.randn(16, 2)
    first, second = (policy.network(observations) for _ in range(2))
    assert not torch.equal(first, second)  # a fresh sample at every pass
    first[0, 0].backward()  # reparameterised: the gradient reaches the mean and the spread
    assert policy.network[2].moments.weight.grad.abs().sum() > 0
    policy.eval()
    state = torch.get_rng_state()
    first, second = (policy.network(observations) for _ in range(2))
    assert torch.equal(first, second) and torch.equal(state, torch.get_rng_state())
    assert float(bottleneck_kl(policy).detach()) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bottleneck", "4", "--layers", "0"], "--bottleneck needs a hidden layer"),
        (["--beta", "0.1"], "--beta weighs the bottleneck's KL, and it needs --bottleneck"),
        (["--bottleneck", "-1"], "--bottleneck: must be >= 0"),
    ],
)
def test_bad_bottleneck_settings_are_one_line_and_exit_code_2(args, message, capsys) -> None:
    try:
        code = main(["train", *args])
    except SystemExit as exit:  # a value the flag's own check refuses
        code = exit.code
    assert code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


def test_an_agent_without_the_standard_network_refuses_the_bottleneck(capsys, monkeypatch) -> None:
    monkeypatch.setitem(agents.AGENTS, "plain", "test_noise:PlainPolicy")  # its network is one nn.Linear
    assert main(["train", "--agent", "plain", "--bottleneck", "4"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--bottleneck cannot apply to agent 'plain'" in error


def test_the_flags_are_documented(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--bottleneck BOTTLENECK variational information bottleneck" in help_text
    assert "--beta BETA weight of the bottleneck's KL" in help_text


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["reinforce", "ppo"])
def test_the_other_algorithms_train_with_a_bottleneck_and_log_its_kl(tmp_path: Path, algo: str) -> None:
    tiny = ["--total-timesteps", "512", "--num-envs", "64", "--eval-contexts", "2", "--eval-samples", "2"]
    flags = ["--algo", algo, "--bottleneck", "2", "--beta", "0.1", "--logdir", str(tmp_path)]
    assert main(["train", *tiny, *flags, "--run-name", algo]) == 0
    events = EventAccumulator(str(tmp_path / algo))
    events.Reload()
    assert all(event.value > 0 for event in events.Scalars("losses/bottleneck_kl_bits"))


def logged_kl_bits(run_directory: Path) -> float:
    """The last update's `losses/bottleneck_kl_bits` of a run."""
    events = EventAccumulator(str(run_directory))
    events.Reload()
    return events.Scalars("losses/bottleneck_kl_bits")[-1].value


@pytest.mark.slow
def test_a_large_beta_stores_fewer_bits_than_a_tiny_one(tmp_path: Path) -> None:
    tiny = train_memorize(tmp_path, "tiny", "--bottleneck", "8", "--beta", "1e-4")
    large = train_memorize(tmp_path, "large", "--bottleneck", "8", "--beta", "1.0")
    assert large["bits_stored"] < tiny["bits_stored"] - 20
    assert logged_kl_bits(tmp_path / "large") < logged_kl_bits(tmp_path / "tiny")


def test_the_capacity_figures_give_the_bottleneck_s_kl_per_row_over_the_table() -> None:
    from rlnoise.capacity import capacity_figures, measured_tables

    plan = make_plan(Config(env_id="Memorize-v0", algo="bc", agent="categorical", bottleneck=4,
                            env_kwargs={"keys": 32, "answers": 2}))  # fmt: skip
    torch.manual_seed(0)
    policy = build_policy(plan)
    tables = measured_tables(plan)
    figures = capacity_figures(policy, tables)
    policy.eval()
    with torch.no_grad():
        policy.network(torch.tensor(tables["bits_stored"][0]))
    assert figures["bottleneck_kl_bits"] == pytest.approx(float(bottleneck_kl(policy)) / math.log(2))
    assert figures["bottleneck_kl_bits"] > 0
    assert "bottleneck_kl_bits" not in capacity_figures(seeded_memorize_policy(), tables)


def seeded_memorize_policy() -> nn.Module:
    """A Memorize categorical policy without a bottleneck, built from seed 0."""
    torch.manual_seed(0)
    return build_policy(make_plan(Config(env_id="Memorize-v0", algo="bc", agent="categorical",
                                         env_kwargs={"keys": 32, "answers": 2})))  # fmt: skip
