"""rlnoise's Adam and SGD (rlnoise/optimizers.py) are torch's: the same updates bit for bit, the
same state dict both ways, and no `torch._dynamo` on the way."""

import subprocess
import sys

import pytest
import torch

from rlnoise.optimizers import SGD, Adam, Optimizer

SHAPES = [(3, 4), (4,), (2, 2)]

KINDS = {
    "adam": (lambda p: Adam(p, lr=0.1), lambda p: torch.optim.Adam(p, lr=0.1, foreach=True)),
    "sgd": (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1, foreach=True)),
    "sgd-momentum": (
        lambda p: SGD(p, lr=0.1, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, foreach=True),
    ),
}
"""Each kind: rlnoise's optimiser and torch's, at the settings `make_optimizer` uses."""


def weights(seed: int) -> list[torch.Tensor]:
    """Three parameters drawn from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator).requires_grad_() for shape in SHAPES]


def run(optimizer: Optimizer | torch.optim.Optimizer, steps: range, lr: float | None = None) -> None:
    """Step `optimizer` on random gradients, one for each step in `steps` (seeded by its number);
    at step 2 the second parameter has none; with `lr`, it is set (as PPO anneals it) at step 3."""
    for step in steps:
        optimizer.zero_grad()
        generator = torch.Generator().manual_seed(100 + step)
        for i, weight in enumerate(optimizer.param_groups[0]["params"]):
            gradient = torch.randn(weight.shape, generator=generator)
            weight.grad = None if (step, i) == (2, 1) else gradient
        if lr is not None and step == 3:
            optimizer.param_groups[0]["lr"] = lr
        optimizer.step()


def same_state(mine: dict, theirs: dict) -> bool:
    """Whether two optimiser state dicts have the same keys, in the same order, and equal values."""
    if mine["param_groups"] != theirs["param_groups"] or list(mine["state"]) != list(theirs["state"]):
        return False
    for index, state in mine["state"].items():
        if list(state) != list(theirs["state"][index]):
            return False
        if not all(torch.equal(value, theirs["state"][index][key]) for key, value in state.items()):
            return False
    return True


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_updates_and_state_are_torch_s_bit_for_bit(kind):
    make_mine, make_theirs = KINDS[kind]
    mine, theirs = make_mine(weights(0)), make_theirs(weights(0))
    run(mine, range(6), lr=0.03)
    run(theirs, range(6), lr=0.03)
    pairs = zip(mine.param_groups[0]["params"], theirs.param_groups[0]["params"], strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert same_state(mine.state_dict(), theirs.state_dict())
    assert mine.param_groups[0]["lr"] == 0.03


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("direction", ["torch-to-rlnoise", "rlnoise-to-torch"])
def test_a_state_dict_resumes_in_the_other_class_to_the_same_weights(kind, direction):
    makers = KINDS[kind] if direction == "rlnoise-to-torch" else KINDS[kind][::-1]
    first, then = makers
    reference = first(weights(1))
    run(reference, range(6))
    stopped = first(weights(1))
    run(stopped, range(3))
    resumed = then([weight.detach().clone().requires_grad_() for weight in stopped.param_groups[0]["params"]])
    resumed.load_state_dict(stopped.state_dict())
    assert same_state(resumed.state_dict(), stopped.state_dict())
    run(resumed, range(3, 6))
    pairs = zip(reference.param_groups[0]["params"], resumed.param_groups[0]["params"], strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)


def test_a_changed_learning_rate_is_the_next_step_s():
    plain, halved = SGD(weights(2), lr=0.1), SGD(weights(2), lr=0.1)
    halved.param_groups[0]["lr"] = 0.05
    run(plain, range(1))
    run(halved, range(1))
    start = weights(2)
    for before, a, b in zip(
        start, plain.param_groups[0]["params"], halved.param_groups[0]["params"], strict=True
    ):
        torch.testing.assert_close(b - before, (a - before) / 2)


def test_zero_grad_drops_the_gradients_and_the_hook_follows_each_step():
    optimizer = Adam(weights(3), lr=0.1)
    calls: list[tuple] = []
    handle = optimizer.register_step_post_hook(lambda *call: calls.append(call))
    run(optimizer, range(2))
    assert calls == [(optimizer, (), {})] * 2
    handle.remove()
    run(optimizer, range(2, 3))
    assert len(calls) == 2
    optimizer.zero_grad()
    assert all(weight.grad is None for weight in optimizer.param_groups[0]["params"])


def test_a_state_dict_with_a_setting_these_classes_lack_is_refused():
    state = torch.optim.Adam(weights(4), lr=0.1, amsgrad=True).state_dict()
    with pytest.raises(ValueError, match="amsgrad"):
        Adam(weights(4), lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="one group of these parameters"):
        Adam(weights(4)[:2], lr=0.1).load_state_dict(state)


TRAIN_AND_RESUME = """
import sys
from pathlib import Path
import rlnoise.envs  # registers TwoBales-v0
from rlnoise.config import Config
from rlnoise.train import resume, train
calls = []
stop = lambda: "SIGTERM" if calls.append(1) or len(calls) == 3 else None
small = {"total_timesteps": 64 * 4, "num_envs": 64, "eval_every": 2, "eval_contexts": 2, "eval_samples": 2}
train(Config(logdir=sys.argv[1], run_name="r", **small), progress=False, stop=stop)
print((Path(sys.argv[1]) / "r" / "checkpoint.pt").exists())
resume(Path(sys.argv[1]) / "r", progress=False)
print("torch._dynamo" in sys.modules)
"""


@pytest.mark.slow
def test_training_and_resuming_never_import_torch_dynamo(tmp_path):
    # torch.optim's optimisers import it (1 to 2 s) in their constructor and each step.
    command = [sys.executable, "-c", TRAIN_AND_RESUME, str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split()[-2:] == ["True", "False"], result.stderr  # a checkpoint resumed
