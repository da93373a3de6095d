"""The normalizing-flow policy: a smooth invertible map of a Gaussian, conditioned on the observation."""

from __future__ import annotations

import torch
import zuko
from torch.distributions import Distribution
from zuko.distributions import NormalizingFlow

from rlnoise.agents.base import Policy

SAMPLES_FOR_SPREAD = 64


class Flow(NormalizingFlow):
    """A conditional flow's distribution with an `entropy` and a `stddev` estimated from samples.

    A flow's `log_prob` is exact; its entropy has no closed form: `entropy` is `-log_prob` of one
    reparameterised sample per observation (an unbiased estimate, whose gradient flows through the
    sample), and `stddev` the spread of `SAMPLES_FOR_SPREAD` samples (for pictures).
    """

    def entropy(self) -> torch.Tensor:
        """`-log_prob(x)` at one reparameterised sample `x` per distribution of the batch."""
        return -self.log_prob(self.rsample())

    @property
    def stddev(self) -> torch.Tensor:
        """The standard deviation of `SAMPLES_FOR_SPREAD` samples, per coordinate."""
        return self.sample((SAMPLES_FOR_SPREAD,)).std(dim=0)


class FlowPolicy(Policy):
    """A neural spline flow (zuko's `NSF`) from a standard Gaussian to points, conditioned on the
    observation: `transforms` monotonic rational-quadratic spline maps, each an autoregressive
    network of the observation (on one coordinate, of the observation alone).

    It is far more expressive than one Gaussian, yet a flow is a smooth invertible map of a
    unimodal base: two separate modes need a steep stretch between them, and training leaves some
    mass in the gap (its known failure, measured as `between_rate` and `collapse_rate`). Sampling
    and `log_prob` are exact, the entropy is estimated (`Flow`). Deterministic play is the flow
    applied to the base distribution's mode, the origin.
    """

    output = "point"

    def __init__(
        self, observation_size: int, action_size: int, hidden: int = 64, layers: int = 2, transforms: int = 2
    ):
        super().__init__(observation_size, action_size, hidden, layers)
        self.transforms = transforms
        self.flow = zuko.flows.NSF(
            action_size, observation_size, transforms=transforms, hidden_features=(hidden,) * layers
        )

    def distribution(self, observations: torch.Tensor) -> Distribution:
        """The flow's distribution over points given each observation."""
        conditioned = self.flow(observations)
        return Flow(conditioned.transform, conditioned.base)

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The flow applied to the base distribution's mode (the origin)."""
        conditioned = self.flow(observations)
        return conditioned.transform.inv(torch.zeros(len(observations), self.action_size))
