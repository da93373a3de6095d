"""The sampled-categorical policy: a distribution over a finite set of actions."""

from __future__ import annotations

import torch
from torch.distributions import Categorical, Distribution

from rlnoise.agents.base import Policy, mlp


class CategoricalPolicy(Policy):
    """A network that outputs logits over `action_size` actions and samples from them.

    It can put equal probability on several equally good actions and play each of them; how
    evenly it does so is set by the entropy bonus of training. Deterministic play takes the
    most probable action.
    """

    output = "choice"

    def __init__(self, observation_size: int, action_size: int, hidden: int = 64, layers: int = 2):
        super().__init__(observation_size, action_size, hidden, layers)
        self.network = mlp(observation_size, action_size, hidden, layers)

    def distribution(self, observations: torch.Tensor) -> Distribution:
        """A categorical distribution over the actions, from the network's logits."""
        return Categorical(logits=self.network(observations))

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The most probable action."""
        return self.network(observations).argmax(dim=-1)
