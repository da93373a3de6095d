"""Noise inside the network and the optimiser (rlnoise/noise.py): each source does what it says."""

import json
import math

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.distributions import Categorical

from rlnoise import agents
from rlnoise.agents.base import Policy
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.noise import NoiseSources, NoisyLinear, gradient_noise_std
from rlnoise.plan import build_policy, make_plan
from rlnoise.train import train


def policy_with(agent: str = "regression", **settings) -> tuple[Policy, NoiseSources]:
    """A seeded TwoBales policy with the noise settings given, and its training hooks."""
    torch.set_num_threads(1)  # as training runs: threads spinning on a shared machine are slow
    torch.manual_seed(0)
    config = Config(agent=agent, **settings)
    policy = build_policy(make_plan(config))
    return policy, NoiseSources(policy, config)


def observations(policy: Policy, count: int = 8) -> torch.Tensor:
    """A fixed batch of random observations of the policy's size."""
    return torch.randn(count, policy.observation_size, generator=torch.Generator().manual_seed(1))


def test_dropout_is_on_in_sampled_play_and_training_and_off_in_deterministic_play():
    policy, _ = policy_with(dropout=0.5)
    x = observations(policy)
    assert not torch.equal(policy.distribution(x).mean, policy.distribution(x).mean)  # a fresh mask each call
    first, second = policy.act(x, deterministic=True), policy.act(x, deterministic=True)
    assert torch.equal(first, second) and policy.training  # no mask, and back in training mode after
    policy.eval()
    assert torch.equal(first, policy.greedy(x))


def test_dropout_log_prob_is_the_log_probability_under_the_sampled_mask():
    policy, _ = policy_with(dropout=0.5)
    x, actions = observations(policy), torch.zeros(8, policy.action_size)
    dropouts = [module for module in policy.modules() if isinstance(module, nn.Dropout)]
    masks = []
    handles = [layer.register_forward_hook(lambda m, i, o: masks.append(o != 0)) for layer in dropouts]
    log_prob = policy.distribution(x).log_prob(actions)
    for handle in handles:
        handle.remove()
    # The same network in evaluation mode with those masks applied by hand gives the same log_prob.
    replay = iter(masks)
    for layer in dropouts:
        layer.register_forward_hook(lambda m, i, o: o * next(replay) / 0.5)
    policy.eval()
    assert torch.allclose(policy.distribution(x).log_prob(actions), log_prob)


def test_parameter_noise_is_held_within_an_episode_and_redrawn_when_it_ends():
    policy, sources = policy_with(param_noise=0.5)
    x = observations(policy, 4)
    plain = policy.greedy(x)  # outside acting: unperturbed
    with sources.acting():
        first, again = policy.greedy(x), policy.greedy(x)
        sources.stepped(torch.tensor([1.0, 0.0, 0.0, 0.0]))  # copy 0's episode ended
        after = policy.greedy(x)
        assert torch.equal(policy.act(x, deterministic=True), plain)  # deterministic play: unperturbed
    assert torch.equal(first, again)
    assert not torch.equal(after[0], first[0]) and torch.equal(after[1:], first[1:])
    assert not torch.allclose(first, plain) and not torch.allclose(first[1] - plain[1], first[2] - plain[2])


@pytest.mark.parametrize("agent", ["regression", "categorical"])
def test_parameter_noise_scale_adapts_until_the_distance_tracks_the_target(agent):
    target = 0.05
    policy, sources = policy_with(agent, param_noise=0.03, param_noise_target=target, hidden=16)
    x = observations(policy, 32)
    with sources.acting():
        policy.greedy(x)  # draws each copy's perturbation
    noise = sources.parameter_noise
    for _ in range(150):
        sources.collected(x)
    # The regressor's perturbation starts too far (the scale shrinks), the categorical's too near.
    assert (noise.scale < 0.03) == (agent == "regression")
    assert abs(math.log(noise.distance / target)) < 0.1, noise.distance


def test_noisy_net_outputs_vary_with_fresh_noise_and_its_scales_get_gradients():
    policy, _ = policy_with(noisy_net=True)
    layers = [module for module in policy.modules() if isinstance(module, NoisyLinear)]
    assert len(layers) == 3
    x = observations(policy)
    assert not torch.equal(policy.greedy(x), policy.greedy(x))
    assert torch.equal(policy.act(x, deterministic=True), policy.act(x, deterministic=True))
    policy.distribution(x).log_prob(torch.zeros(8, policy.action_size)).sum().backward()
    assert all(layer.weight_sigma.grad.abs().sum() > 0 for layer in layers)


@pytest.mark.parametrize("update", [0, 9, 999])
def test_gradient_noise_std_follows_eta_over_one_plus_t_to_the_decay(update):
    eta, decay = 0.3, 0.55
    policy, sources = policy_with(grad_noise=eta, grad_noise_decay=decay, hidden=256)
    for weight in policy.parameters():
        weight.grad = torch.zeros_like(weight)
    sources.perturb_gradients(update)
    measured = torch.cat([weight.grad.flatten() for weight in policy.parameters()]).std().item()
    expected = math.sqrt(eta / (1 + update) ** decay)
    assert gradient_noise_std(eta, decay, update) == pytest.approx(expected)
    assert measured == pytest.approx(expected, rel=0.02)


def hidden_rank(tmp_path, **settings) -> int:
    """The rank of the first hidden layer's weights after a short seeded training from symmetric init."""
    config = Config(
        agent="regression",
        init="symmetric",
        logdir=str(tmp_path),
        num_envs=64,
        total_timesteps=64 * 40,
        eval_every=1000,
        eval_contexts=2,
        eval_samples=2,
        **settings,
    )
    directory = train(config, progress=False)["directory"]
    weight = torch.load(f"{directory}/model.pt")["network.0.weight"]
    # Identical rows differ only by float32 rounding (second singular value ~1e-7 of the first);
    # 40 updates of dropout 0.2 part them by ~1e-4, gradient noise 0.01 by ~1e-2.
    return int(torch.linalg.matrix_rank(weight, rtol=1e-6))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "rank_one"), [({}, True), ({"dropout": 0.2}, False), ({"grad_noise": 0.01}, False)]
)
def test_symmetric_init_stays_rank_one_unless_noise_breaks_the_symmetry(tmp_path, settings, rank_one):
    assert (hidden_rank(tmp_path, **settings) == 1) == rank_one


@pytest.mark.slow
def test_same_seed_gives_the_same_run_with_every_source_on_and_logs_their_scales(tmp_path):
    settings = {
        "agent": "regression",
        "dropout": 0.1,
        "param_noise": 0.1,
        "noisy_net": True,
        "grad_noise": 0.01,
        "num_envs": 64,
        "total_timesteps": 64 * 20,
        "eval_every": 10,
        "eval_contexts": 4,
        "eval_samples": 4,
    }
    first = train(Config(logdir=str(tmp_path / "a"), run_name="run", **settings), progress=False)
    second = train(Config(logdir=str(tmp_path / "b"), run_name="run", **settings), progress=False)
    assert json.dumps(first["sampled"]) == json.dumps(second["sampled"])
    assert json.dumps(first["deterministic"]) == json.dumps(second["deterministic"])
    events = EventAccumulator(str(tmp_path / "a" / "run"))
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    tags = {
        "noise/param_noise_scale",
        "noise/param_noise_distance",
        "noise/grad_noise_std",
        "noise/noisy_sigma/layer0",
    }
    assert tags <= scalars
    scales = [event.value for event in events.Scalars("noise/param_noise_scale")]
    assert len(set(scales)) > 1  # adapted as training went


@pytest.mark.slow
def test_evaluate_reproduces_a_noisy_runs_figures(tmp_path):
    settings = {
        "dropout": 0.2,
        "param_noise": 0.1,
        "noisy_net": True,
        "num_envs": 64,
        "total_timesteps": 64 * 5,
    }
    config = Config(
        agent="regression", logdir=str(tmp_path), run_name="run", eval_contexts=4, eval_samples=8, **settings
    )
    train(config, progress=False)
    out = tmp_path / "figures.json"
    assert main(["evaluate", str(tmp_path / "run"), "--json", str(out)]) == 0
    saved = json.loads((tmp_path / "run" / "evaluation.json").read_text())
    again = json.loads(out.read_text())
    for mode in ("sampled", "deterministic"):
        assert json.dumps(again[mode]) == json.dumps(saved[mode])


class PlainPolicy(Policy):
    """A policy with no standard network: a single linear layer."""

    output = "choice"

    def __init__(self, observation_size: int, action_size: int, hidden: int = 64, layers: int = 2):
        super().__init__(observation_size, action_size, hidden, layers)
        self.network = nn.Linear(observation_size, action_size)

    def distribution(self, observations: torch.Tensor) -> Categorical:
        return Categorical(logits=self.network(observations))

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        return self.network(observations).argmax(-1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dropout", "1"], "--dropout: must be in [0, 1), got 1"),
        (["--dropout", "-0.1"], "--dropout: must be in [0, 1)"),
        (["--param-noise", "-1"], "--param-noise: must be >= 0"),
        (["--grad-noise", "-0.5"], "--grad-noise: must be >= 0"),
        (["--init", "orthogonal"], "--init: must be one of default, symmetric, got orthogonal"),
    ],
)
def test_bad_noise_settings_are_one_line_and_exit_code_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["train", *args])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


@pytest.mark.parametrize(
    "flag",
    [
        ["--noisy-net"],
        ["--dropout", "0.1"],
        ["--init", "symmetric"],
        ["--weight-noise", "0.5"],
        ["--binarize"],
    ],
)
def test_a_network_noise_source_on_an_agent_without_the_standard_network_exits_2(flag, capsys, monkeypatch):
    monkeypatch.setitem(agents.AGENTS, "plain", f"{__name__}:PlainPolicy")
    assert main(["train", "--agent", "plain", *flag]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "does not build its network with rlnoise.agents.base.mlp" in error
