"""The optimiser (`--optimizer`, `--momentum`) and the delayed gradient step (`--grad-delay`)."""

import hashlib

import pytest
import torch
from conftest import refused
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise.config import Config
from rlnoise.errors import UsageError
from rlnoise.gradients import DelayedGradients, make_optimizer, with_baseline
from rlnoise.optimizers import SGD, Adam, Optimizer
from rlnoise.plan import build_policy, make_plan
from rlnoise.runfiles import read_torch
from rlnoise.train import resume, train

SMALL = {"total_timesteps": 64 * 8, "num_envs": 64, "eval_every": 2, "eval_contexts": 4, "eval_samples": 4}
"""Eight updates, a checkpoint every two."""


def stepped(config: Config, gradients: list[list[float]]) -> tuple[torch.Tensor, Optimizer]:
    """A weight starting at (1, 2) after `config`'s optimiser stepped once on each of `gradients`."""
    weight = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    optimizer = make_optimizer(config, [weight])
    for gradient in gradients:
        weight.grad = torch.tensor(gradient)
        optimizer.step()
    return weight.detach(), optimizer


def test_sgd_without_momentum_steps_against_the_gradient_times_the_learning_rate():
    weight, optimizer = stepped(Config(optimizer="sgd", learning_rate=0.1), [[0.5, -1.0]])
    assert torch.allclose(weight, torch.tensor([1.0 - 0.05, 2.0 + 0.1]))
    assert isinstance(optimizer, SGD) and optimizer.state_dict()["state"] == {}
    adam, _ = stepped(Config(learning_rate=0.1), [[0.5, -1.0]])
    assert torch.allclose(adam, torch.tensor([1.0 - 0.1, 2.0 + 0.1]))  # Adam's first step: lr * sign


def test_sgd_with_momentum_adds_the_decayed_last_step():
    config = Config(optimizer="sgd", momentum=0.9, learning_rate=0.1)
    weight, optimizer = stepped(config, [[1.0, 0.0], [0.0, 1.0]])
    # buffer 1 = g1; buffer 2 = 0.9 * g1 + g2; each step subtracts lr * buffer
    assert torch.allclose(weight, torch.tensor([1.0 - 0.1 - 0.09, 2.0 - 0.1]))
    reference = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    by_torch = torch.optim.SGD([reference], lr=0.1, momentum=0.9)
    for gradient in ([1.0, 0.0], [0.0, 1.0]):
        reference.grad = torch.tensor(gradient)
        by_torch.step()
    assert torch.equal(weight, reference.detach())
    assert torch.equal(optimizer.state_dict()["state"][0]["momentum_buffer"], torch.tensor([0.9, 1.0]))


def test_the_baseline_s_optimiser_is_the_one_the_config_names():
    plan = make_plan(Config(optimizer="sgd", momentum=0.5, learning_rate=0.01))
    policy = plan.policy_class(plan.sizes.observation, plan.adapter.action_size, hidden=8)
    _, parameters, optimizer = with_baseline(plan, policy)
    assert isinstance(optimizer, SGD)
    assert optimizer.param_groups[0]["momentum"] == 0.5 and optimizer.param_groups[0]["lr"] == 0.01
    assert len(optimizer.param_groups[0]["params"]) == len(parameters)
    assert isinstance(with_baseline(make_plan(Config()), policy)[2], Adam)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--momentum", "0.9"], "--momentum 0.9 is SGD's, and --optimizer adam has none"),
        (["--optimizer", "adam", "--momentum", "0.5"], "--momentum 0.5 is SGD's"),
        (["--optimizer", "sgd", "--momentum", "1"], "--momentum: must be in [0, 1), got 1"),
        (["--optimizer", "sgd", "--momentum", "-0.1"], "--momentum: must be in [0, 1), got -0.1"),
        (["--optimizer", "rmsprop"], "--optimizer: must be one of adam, sgd, got rmsprop"),
        (["--grad-delay", "-1"], "--grad-delay: must be >= 0, got -1"),
        (["--grad-delay", "1.5"], "--grad-delay: expected a number of type int, got '1.5'"),
        (["--grad-delay", "10000000"], "most of it for its gradients held back (--grad-delay 10000000)"),
    ],
)
def test_bad_optimiser_flags_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    code, lines = refused(["train", "--logdir", str(tmp_path / "runs"), *args], capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "runs").exists()


def test_a_sweep_of_momentum_under_adam_is_refused_before_any_run(tmp_path, capsys):
    command = ["sweep", "--logdir", str(tmp_path / "grid"), "--vary", "momentum=0,0.9"]
    code, lines = refused(command, capsys)
    assert code == 2 and len(lines) == 1 and "--momentum 0.9 is SGD's" in lines[0], lines
    assert not (tmp_path / "grid").exists()
    with pytest.raises(UsageError, match="add --optimizer sgd"):
        make_plan(Config(momentum=0.3))


def model() -> tuple[torch.nn.Linear, list[torch.Tensor]]:
    """A small seeded linear layer and its parameters."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    return layer, list(layer.parameters())


def gradient_step(
    layer: torch.nn.Linear, parameters: list[torch.Tensor], optimizer, index: int, step
) -> None:
    """A gradient step on input number `index`'s loss, taken by `step(optimizer)`."""
    optimizer.zero_grad()
    layer(torch.full((1, 3), float(index + 1))).square().sum().backward()
    step(optimizer)


def test_no_delay_is_the_optimiser_s_own_step_bit_for_bit():
    plain, plain_parameters = model()
    delayed_layer, parameters = model()
    optimizers = [torch.optim.Adam(plain_parameters, lr=0.1), torch.optim.Adam(parameters, lr=0.1)]
    delayed = DelayedGradients(parameters, 0)
    for index in range(5):
        gradient_step(plain, plain_parameters, optimizers[0], index, torch.optim.Adam.step)
        gradient_step(delayed_layer, parameters, optimizers[1], index, delayed.step)
        assert all(torch.equal(a, b) for a, b in zip(plain_parameters, parameters, strict=True))
    assert not delayed.queue and delayed.scalars() == {}


def test_a_delay_of_4_applies_nothing_for_4_steps_then_each_gradient_4_steps_late():
    layer, parameters = model()
    start = [weight.detach().clone() for weight in parameters]
    optimizer = torch.optim.Adam(parameters, lr=0.1)
    delayed = DelayedGradients(parameters, 4)
    gradients = []
    for index in range(6):
        gradient_step(layer, parameters, optimizer, index, delayed.step)
        gradients.append([gradient.clone() for gradient in delayed.queue[-1]])
        if index < 4:  # nothing applied yet, and Adam's step count not started
            assert all(torch.equal(a, b) for a, b in zip(start, parameters, strict=True))
            assert optimizer.state_dict()["state"] == {}
            assert delayed.scalars() == {"charts/staleness": index + 1}
    assert delayed.scalars() == {"charts/staleness": 4}

    # The reference: Adam from the same start, on the first two gradients, at once.
    _, reference = model()
    by_hand = torch.optim.Adam(reference, lr=0.1)
    for applied in gradients[:2]:
        for weight, gradient in zip(reference, applied, strict=True):
            weight.grad = gradient
        by_hand.step()
    assert all(torch.equal(a, b) for a, b in zip(reference, parameters, strict=True))
    assert int(optimizer.state_dict()["state"][0]["step"]) == 2


def weights(path) -> str:
    """A hash of the weights saved in `path`."""
    state, digest = read_torch(path), hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode() + state[name].numpy().tobytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_a_delayed_run_differs_from_the_default_and_logs_its_staleness(tmp_path):
    for name, delay in (("default", 0), ("delayed", 4)):
        train(Config(logdir=str(tmp_path), run_name=name, grad_delay=delay, **SMALL), progress=False)
    assert weights(tmp_path / "default" / "model.pt") != weights(tmp_path / "delayed" / "model.pt")
    events = EventAccumulator(str(tmp_path / "delayed"))
    events.Reload()
    assert [event.value for event in events.Scalars("charts/staleness")] == [1, 2, 3, 4, 4, 4, 4, 4]
    events = EventAccumulator(str(tmp_path / "default"))
    events.Reload()
    assert "charts/staleness" not in events.Tags()["scalars"]


def test_a_delayed_run_shorter_than_its_delay_keeps_its_first_weights(tmp_path):
    settings = {**SMALL, "total_timesteps": 64 * 3, "eval_every": 3}
    train(Config(logdir=str(tmp_path), run_name="stale", grad_delay=4, **settings), progress=False)
    torch.manual_seed(Config.seed)  # as training seeds it, before it builds the policy
    first = build_policy(make_plan(Config(**settings))).state_dict()
    saved = read_torch(tmp_path / "stale" / "model.pt")
    assert sorted(saved) == sorted(first) and all(torch.equal(saved[name], first[name]) for name in first)


@pytest.mark.parametrize(
    ("algo", "settings"),
    [
        pytest.param("reinforce", {}, marks=pytest.mark.slow, id="reinforce"),
        pytest.param("ppo", {"num_minibatches": 2, "update_epochs": 1}, marks=pytest.mark.slow, id="ppo"),
        pytest.param("bc", {"optimizer": "sgd", "momentum": 0.9}, marks=pytest.mark.slow, id="bc-sgd"),
    ],
)
def test_a_delayed_run_stopped_after_a_checkpoint_resumes_to_the_uninterrupted_weights(
    tmp_path, algo, settings
):
    config = Config(algo=algo, grad_delay=3, seed=2, logdir=str(tmp_path), **SMALL, **settings)
    train(Config(**{**config.__dict__, "run_name": "whole"}), progress=False)

    calls = []

    def stop_before_the_fifth_update() -> str | None:
        calls.append(1)
        return "SIGTERM" if len(calls) == 5 else None

    stopped = Config(**{**config.__dict__, "run_name": "stopped"})
    assert train(stopped, progress=False, stop=stop_before_the_fifth_update)["stopped_by"] == "SIGTERM"
    checkpoint = read_torch(tmp_path / "stopped" / "checkpoint.pt")
    assert checkpoint["update"] == 4 and len(checkpoint["delayed"]["queue"]) == 3  # the queue saved
    assert weights(tmp_path / "stopped" / "model.pt") != weights(tmp_path / "whole" / "model.pt")

    resume(tmp_path / "stopped", progress=False)
    assert weights(tmp_path / "stopped" / "model.pt") == weights(tmp_path / "whole" / "model.pt")
