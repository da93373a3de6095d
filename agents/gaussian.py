"""The learned-spread Gaussian policy: the unimodal stochastic policy most libraries ship."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, Independent, Normal

from rlnoise.agents.base import Policy, mlp, spread


class GaussianPolicy(Policy):
    """A network that outputs a mean point; a Gaussian around it, whose spread is learned, samples.

    As in CleanRL's continuous PPO and Stable-Baselines3, the spread is by default one learned
    parameter per action coordinate, the same in every state; with `state_std` the network outputs
    it beside the mean. It is kept below `max_spread` (`rlnoise.agents.base.spread`: it starts at
    half of it), so that the entropy bonus cannot widen it without bound. The reward narrows it:
    it shrinks onto one good answer rather than spanning two. Deterministic play uses the mean.
    """

    output = "point"

    def __init__(
        self,
        observation_size: int,
        action_size: int,
        hidden: int = 64,
        layers: int = 2,
        state_std: bool = False,
        max_spread: float = 0.3,
    ):
        super().__init__(observation_size, action_size, hidden, layers)
        self.state_std = state_std
        self.max_spread = max_spread
        self.network = mlp(observation_size, action_size * (2 if state_std else 1), hidden, layers)
        self.raw_spread = None if state_std else nn.Parameter(torch.zeros(action_size))

    def split(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and the spread for each observation."""
        output = self.network(observations)
        if self.state_std:
            mean, raw = output[:, : self.action_size], output[:, self.action_size :]
        else:
            mean, raw = output, self.raw_spread.expand_as(output)
        return mean, spread(raw, 0.0, self.max_spread)

    def distribution(self, observations: torch.Tensor) -> Distribution:
        """A diagonal Gaussian around the mean, of the learned spread."""
        return Independent(Normal(*self.split(observations)), 1)

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The mean."""
        return self.split(observations)[0]
