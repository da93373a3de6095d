"""The one interface every policy keeps, and the network it is usually built from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from itertools import pairwise
from typing import ClassVar, Literal

import torch
from torch import nn
from torch.distributions import Distribution


class MLP(nn.Sequential):
    """The standard network, as `mlp` builds it: the noise sources of `rlnoise.noise` rebuild it."""


def mlp(inputs: int, outputs: int, hidden: int, layers: int = 2) -> MLP:
    """A tanh multilayer perceptron from `inputs` features to `outputs` values."""
    sizes = [inputs] + [hidden] * layers
    modules: list[nn.Module] = []
    for size_in, size_out in pairwise(sizes):
        modules += [nn.Linear(size_in, size_out), nn.Tanh()]
    return MLP(*modules, nn.Linear(sizes[-1], outputs))


class Policy(nn.Module, ABC):
    """Maps a batch of observations to a distribution over the policy's outputs.

    `output` says what the policy outputs, and so how rlnoise connects it to an environment:
    `"point"`, a point of `action_size` continuous coordinates, or `"choice"`, one of
    `action_size` discrete actions. The policy knows nothing else of the environment.
    """

    output: ClassVar[Literal["point", "choice"]]
    options: ClassVar[tuple[str, ...]] = ()
    """Names of the training settings (`rlnoise.train.Config` fields) the constructor takes."""

    def __init__(self, observation_size: int, action_size: int, hidden: int = 64):
        super().__init__()
        self.observation_size = observation_size
        self.action_size = action_size

    @abstractmethod
    def distribution(self, observations: torch.Tensor) -> Distribution:
        """The distribution the policy samples from, for training and for sampled play."""

    @abstractmethod
    def mode(self, observations: torch.Tensor) -> torch.Tensor:
        """The policy's deterministic choice: its mean point or its most probable action."""

    def act(self, observations: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """Outputs for a batch of observations, sampled or deterministic.

        Deterministic play is in evaluation mode: any noise inside the network (dropout, NoisyNet,
        parameter noise; `rlnoise.noise`) is off.
        """
        if deterministic:
            training = self.training
            self.eval()
            try:
                return self.mode(observations)
            finally:
                self.train(training)
        return self.distribution(observations).sample()
