"""Point policies on a bounded `Box` act inside it: a penalty on their centres' part outside.

The environment clips a point outside its action box onto the box's edge, so a policy whose point
drifts outside explores nothing: every sample around it clips to the same action. The penalty
`BOUND_PENALTY * sum((x - clip(x, low, high))^2)`, averaged over the batch, over each centre `x` of
the policy (`Policy.centres`: the point, the mean, every component's point), pulls it back. It is
exactly zero, with a zero gradient, while the centres stay inside the box, so a run whose point
never leaves the box trains exactly as it would without it (docs/design.md section 4). The centres
are computed in the `eval()` state, without the noise sources' draws, which therefore stay those of
a run without the penalty. Every algorithm adds it to its loss in its gradient step.
"""

from __future__ import annotations

import torch
from gymnasium import spaces

from rlnoise.actions import ActionAdapter
from rlnoise.agents.base import Policy

BOUND_PENALTY = 10.0
"""Weight of the squared distance outside the box, against a policy loss of about one per unit."""


def outside_penalty(policy: Policy, adapter: ActionAdapter, observations: torch.Tensor) -> torch.Tensor:
    """The penalty on the part of the policy's centres outside its bounded `Box`; 0 for other spaces."""
    space = adapter.action_space
    if policy.output != "point" or not isinstance(space, spaces.Box) or not space.is_bounded():
        return torch.zeros((), device=observations.device)
    with policy.evaluating():  # the deterministic centres: no network noise drawn (rlnoise.noise)
        centres = policy.centres(observations)
    low = torch.as_tensor(space.low.ravel(), dtype=centres.dtype, device=centres.device)
    high = torch.as_tensor(space.high.ravel(), dtype=centres.dtype, device=centres.device)
    outside = centres - torch.clamp(centres, low, high)
    return BOUND_PENALTY * outside.pow(2).sum(-1).mean()
