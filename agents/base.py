"""The one interface every policy keeps, and the network it is usually built from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
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


def spread(raw: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """A learned standard deviation kept in `(low, high)`: `low + (high - low) * sigmoid(raw)`.

    An entropy bonus rewards a Gaussian's spread without bound (its entropy grows as `log(spread)`),
    where a categorical's entropy is bounded by its number of actions; the cap `high` bounds it.
    """
    return low + (high - low) * torch.sigmoid(raw)


class Policy(nn.Module, ABC):
    """Maps a batch of observations to a distribution over the policy's outputs.

    `output` says what the policy outputs, and so how rlnoise connects it to an environment:
    `"point"`, a point of `action_size` continuous coordinates, or `"choice"`, one of
    `action_size` discrete actions. The policy knows nothing else of the environment.
    """

    output: ClassVar[Literal["point", "choice"]]
    options: ClassVar[tuple[str, ...]] = ()
    """Names of the training settings (`rlnoise.train.Config` fields) the constructor takes besides
    `(observation_size, action_size, hidden, layers)`, which every policy takes (`--hidden`, `--layers`)."""

    def __init__(self, observation_size: int, action_size: int, hidden: int = 64, layers: int = 2):
        super().__init__()
        self.observation_size = observation_size
        self.action_size = action_size

    @abstractmethod
    def distribution(self, observations: torch.Tensor) -> Distribution:
        """The distribution the policy samples from, for training and for sampled play."""

    @abstractmethod
    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The policy's deterministic choice: its mean point or its most probable action."""

    def centres(self, observations: torch.Tensor) -> torch.Tensor:
        """The points the policy's samples spread around, `(batch, ..., action_size)`; a point policy
        on a bounded `Box` is kept with them inside it (`rlnoise.bounds`). Default: `greedy`."""
        return self.greedy(observations)

    def act(self, observations: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """Outputs for a batch of observations, sampled or deterministic.

        Deterministic play is in the `eval()` state: any noise inside the network (dropout, NoisyNet,
        parameter noise; `rlnoise.noise`) is off.
        """
        if deterministic:
            with self.evaluating():
                return self.greedy(observations)
        return self.distribution(observations).sample()

    @contextmanager
    def evaluating(self) -> Iterator[None]:
        """Within: the `eval()` state, so that any noise inside the network is off and draws nothing."""
        training = self.training
        self.eval()
        try:
            yield
        finally:
            self.train(training)
