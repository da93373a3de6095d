"""What a gradient step needs besides its loss: the optimiser, the learned baseline, clipping, the
divergence guard's tests and the delay of each step (docs/design.md section 5). The algorithms
call each by name."""

from __future__ import annotations

from collections import deque
from typing import Any

import torch

from rlnoise.agents.base import Policy, mlp
from rlnoise.config import Config
from rlnoise.optimizers import SGD, Adam, Optimizer
from rlnoise.plan import Plan


def make_optimizer(config: Config, parameters: list[torch.Tensor]) -> Optimizer:
    """The optimiser `--optimizer` names over `parameters`, at `--learning-rate`: Adam in its
    multi-tensor form (the same arithmetic as torch's CPU default, which updates the tensors one by
    one, with a third less time per step on small networks), or SGD with `--momentum`; torch's own
    arithmetic without importing `torch._dynamo` (rlnoise/optimizers.py)."""
    if config.optimizer == "sgd":
        return SGD(parameters, lr=config.learning_rate, momentum=config.momentum)
    return Adam(parameters, lr=config.learning_rate)


def with_baseline(plan: Plan, policy: Policy) -> tuple[torch.nn.Module, list[torch.Tensor], Optimizer]:
    """A learned baseline (the value function) beside `policy`, their parameters, one optimiser over
    both. It keeps two hidden layers whatever `--layers` (which sets the policy's: docs/design.md
    section 5)."""
    config = plan.config
    baseline = mlp(plan.sizes.observation, 1, config.hidden).to(config.device)
    parameters = [*policy.parameters(), *baseline.parameters()]
    return baseline, parameters, make_optimizer(config, parameters)


class DelayedGradients:
    """The optimiser's steps, each on the gradients of `delay` steps before (`--grad-delay`): the
    staleness of an asynchronous worker's gradient, reproducibly, in one process.

    `step(optimizer)` takes the place of `optimizer.step()`: it queues the gradients of
    `parameters` as the step has them (clipped, with their noise) and applies the oldest. While
    fewer than `delay` wait it applies nothing, rather than a zero gradient, which would still
    advance Adam's step count and decay its moments. The queue is saved in the checkpoint (it is
    one of the algorithm's modules). With `delay` 0 it is `optimizer.step()` itself.
    """

    def __init__(self, parameters: list[torch.Tensor], delay: int):
        self.parameters, self.delay = parameters, delay
        self.queue: deque[list[torch.Tensor | None]] = deque()

    def step(self, optimizer: Optimizer) -> None:
        """Queue this step's gradients, and let `optimizer` step on those of `delay` steps before."""
        if self.delay == 0:
            optimizer.step()
            return
        self.queue.append(
            [None if weight.grad is None else weight.grad.clone() for weight in self.parameters]
        )
        if len(self.queue) <= self.delay:
            return
        for weight, gradient in zip(self.parameters, self.queue.popleft(), strict=True):
            weight.grad = gradient
        optimizer.step()

    def scalars(self) -> dict[str, int]:
        """`charts/staleness`, the steps computed but not yet applied (`delay` once the queue is
        full), for the update's log; nothing without a delay."""
        return {"charts/staleness": len(self.queue)} if self.delay else {}

    def state_dict(self) -> dict[str, Any]:
        """The gradients waiting, oldest first, for the checkpoint; nothing without a delay (so a
        checkpoint written before `--grad-delay` existed still resumes)."""
        return {"queue": list(self.queue)} if self.delay else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Wait again with the gradients `state_dict` saved, each on its parameter's device; a
        RuntimeError if they are not gradients of these parameters."""
        queue = deque()
        for gradients in state.get("queue", ()):
            if len(gradients) != len(self.parameters) or any(
                gradient is not None and gradient.shape != weight.shape
                for weight, gradient in zip(self.parameters, gradients, strict=True)
            ):
                raise RuntimeError("the queued gradients are not of these parameters")
            pairs = zip(self.parameters, gradients, strict=True)
            queue.append(
                [None if gradient is None else gradient.to(weight.device) for weight, gradient in pairs]
            )
        self.queue = queue


def clip_gradients(parameters: list[torch.Tensor], max_norm: float | None, norm: torch.Tensor) -> None:
    """Scale the gradients of `parameters`, whose total norm is `norm`, to at most `max_norm`
    (`--max-grad-norm`; None: no clipping)."""
    if max_norm is not None:
        torch.nn.utils.clip_grads_with_norm_(parameters, max_norm, norm)


def finite(module: torch.nn.Module) -> bool:
    """Whether every weight of `module` is a finite number."""
    return all(bool(torch.isfinite(weight).all()) for weight in module.parameters())


def not_finite(figures: dict[str, torch.Tensor], norm: torch.Tensor) -> str | None:
    """The first of an update's `figures` (or the gradient's total `norm`, as "gradient") that is
    not finite, or None: one check, one host sync."""
    checked = {**figures, "gradient": norm}
    if torch.isfinite(torch.stack(list(checked.values()))).all():
        return None
    return next(name for name, value in checked.items() if not value.isfinite())


def gradient_overflow(parameters: list[torch.Tensor], loss: torch.Tensor) -> str:
    """What is not finite about the gradient of `parameters` whose total norm is not: an entry, or
    only the norm, whose square overflows float32 although every entry is finite (PPO's ratio on a
    sample far in the policy's tail can make a loss of 1e22)."""
    gradients = [weight.grad for weight in parameters if weight.grad is not None]
    if all(bool(torch.isfinite(gradient).all()) for gradient in gradients):
        largest = max(float(gradient.abs().max()) for gradient in gradients)
        return f"gradient norm (every entry is finite, up to {largest:.2g}, from a loss of {loss.item():.2g})"
    return "gradient"
