"""The deterministic-regression policy: one point per observation, explored with fixed noise."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, Independent, Normal

from rlnoise.agents.base import Policy, mlp


class RegressionPolicy(Policy):
    """A network that outputs one point; training explores around it with Gaussian noise.

    The noise `sigma` is fixed and lives outside the network: the network can only move the
    point. Trained on reward, the point maximises the reward smoothed by that noise, which is
    why it lands between equally good answers when `sigma` is wide. Deterministic play uses
    the point itself.
    """

    output = "point"
    options = ("sigma",)

    def __init__(
        self,
        observation_size: int,
        action_size: int,
        hidden: int = 64,
        layers: int = 2,
        sigma: float = 1.0,
    ):
        super().__init__(observation_size, action_size, hidden, layers)
        self.sigma = sigma
        self.network = mlp(observation_size, action_size, hidden, layers)

    def distribution(self, observations: torch.Tensor) -> Distribution:
        """A Gaussian of fixed standard deviation `sigma` around the network's point."""
        mean = self.network(observations)
        return Independent(Normal(mean, torch.full_like(mean, self.sigma)), 1)

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The network's point."""
        return self.network(observations)
