"""What a gradient step needs besides its loss: Adam, the learned baseline, clipping and the
divergence guard's tests (docs/design.md section 5). The algorithms call each by name."""

from __future__ import annotations

import torch

from rlnoise.agents.base import Policy, mlp
from rlnoise.plan import Plan


def adam(parameters: list[torch.Tensor], learning_rate: float) -> torch.optim.Adam:
    """Adam over `parameters` in its multi-tensor form: the same arithmetic as torch's CPU default
    (which updates the tensors one by one), with a third less time per step on small networks."""
    return torch.optim.Adam(parameters, lr=learning_rate, foreach=True)


def with_baseline(plan: Plan, policy: Policy) -> tuple[torch.nn.Module, list[torch.Tensor], torch.optim.Adam]:
    """A learned baseline (the value function) beside `policy`, their parameters, one Adam over both.
    It keeps two hidden layers whatever `--layers` (which sets the policy's: docs/design.md section 5)."""
    config = plan.config
    baseline = mlp(plan.sizes.observation, 1, config.hidden).to(config.device)
    parameters = [*policy.parameters(), *baseline.parameters()]
    return baseline, parameters, adam(parameters, config.learning_rate)


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
