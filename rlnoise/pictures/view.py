"""Where a policy acts in a few scenes, in its environment's action coordinates (uses torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlnoise.contract import action_coordinates, landmarks, observation_names

SCENES = 4


@dataclass
class View:
    """Where a policy acts in each of a few scenes, in the environment's action coordinates."""

    observations: np.ndarray
    """The scenes' start observations, `[scenes, *observation_shape]`."""
    coordinates: np.ndarray
    """`[choices, dims]`: where each of the policy's choices lands, or each of the environment's
    actions for a point policy on a `Discrete` space (`nan` rows: no coordinates); empty for a
    point policy on a `Box`."""
    low: np.ndarray
    high: np.ndarray
    """The extent of the action coordinates, `[dims]` each."""
    played: np.ndarray
    """`[scenes, dims]`: the coordinates of the deterministic action (`nan`: it has none)."""
    landmarks: list[dict[str, np.ndarray]]
    """Per scene, the environment's named points, each `[points, dims]`."""
    observation_names: tuple[str, ...] = ()
    """The environment's names of the observation's entries (none declared: empty)."""
    probabilities: np.ndarray | None = None
    """A choice policy's probability of each choice, `[scenes, choices]`."""
    point: np.ndarray | None = None
    """A point policy's point, before clipping or rounding, `[scenes, dims]`."""
    spread: np.ndarray | None = None
    """A point policy's exploration standard deviation, `[scenes, dims]`."""
    density: np.ndarray | None = None
    """A point policy's density on one action coordinate, `[scenes, DENSITY_POINTS]` evenly from
    `low` to `high` (a mixture's or a flow's several bumps, which a point and spread would hide)."""
    indexed: bool = False
    """The coordinate is the action number (the environment declares no coordinates)."""
    numbered: bool = False
    """The coordinates are the environment's declared points (a board's: number its rows and columns)."""
    first: int = 0
    """The number of the first scene (a card of one scene of several keeps its number)."""


def distinct_scenes(observations: np.ndarray, count: int = SCENES) -> np.ndarray:
    """The first `count` distinct observations (an environment with one start state has one)."""
    return np.stack([observations[index] for index in distinct_indices(observations, count)])


def distinct_indices(observations: np.ndarray, count: int = SCENES) -> list[int]:
    """Where the first `count` distinct observations are (the contexts, so the seeds, of the scenes)."""
    indices: list[int] = []
    for index, observation in enumerate(observations):
        if not any(np.array_equal(observation, observations[seen]) for seen in indices):
            indices.append(index)
        if len(indices) == count:
            break
    return indices


DENSITY_POINTS = 200
"""Actions at which a 1-D point policy's density is drawn."""
NOISE_DRAWS = 64
"""Forward passes, each with fresh noise inside the network (dropout, NoisyNet, parameter noise),
whose densities or probabilities are averaged: the policy that sampled evaluation plays."""


def view(policy: Any, adapter: Any, env: Any, observations: np.ndarray, device: str = "cpu") -> View:
    """Where `policy`, connected to `env` by `adapter`, acts in the scenes `observations`."""
    import torch

    from rlnoise.evaluation import observation_tensor

    space = env.action_space
    declared = None if isinstance(space, spaces.Box) else action_coordinates(env)
    indexed = isinstance(space, spaces.Discrete) and declared is None
    if isinstance(space, spaces.Box):
        low, high = space.low.astype(np.float64).ravel(), space.high.astype(np.float64).ravel()
        coordinates = adapter.points if policy.output == "choice" else np.empty((0, low.size))
    else:
        coordinates = np.arange(space.n, dtype=np.float64)[:, None] if indexed else declared
        finite = coordinates[~np.isnan(coordinates).any(axis=1)]
        half = np.array([half_step(finite[:, axis]) for axis in range(finite.shape[1])])
        low, high = finite.min(axis=0) - half, finite.max(axis=0) + half

    def where(actions: np.ndarray) -> np.ndarray:
        """The coordinates of environment actions."""
        if isinstance(space, spaces.Box):
            return actions.reshape(len(actions), -1).astype(np.float64)
        return coordinates[actions - int(space.start)]

    with torch.no_grad(), policy.evaluating():  # deterministic play: no noise inside the network
        inputs = observation_tensor(observations, device)
        distribution = policy.distribution(inputs)
        greedy = policy.greedy(inputs).cpu().numpy()
    result = View(
        observations=observations,
        coordinates=coordinates,
        low=low,
        high=high,
        played=where(adapter.to_env(greedy)),
        landmarks=[
            {name: points.reshape(-1, low.size) for name, points in landmarks(env, scene).items()}
            for scene in observations
        ],
        observation_names=observation_names(env),
        indexed=indexed,
        numbered=declared is not None,
    )
    if policy.output == "choice":
        result.probabilities = noise_average(policy, lambda: policy.distribution(inputs).probs)
    else:
        result.point = greedy.reshape(len(greedy), -1).astype(np.float64)
        result.spread = distribution.stddev.cpu().numpy().reshape(len(greedy), -1).astype(np.float64)
        if low.size == 1:
            result.density = point_density(policy, inputs, low[0], high[0])
    return result


def noise_average(policy: Any, forward: Callable[[], Any]) -> np.ndarray:
    """The mean of `forward()` over `NOISE_DRAWS` passes, each with fresh noise inside the network
    (each parameter-noise perturbation drawn anew, as sampled evaluation draws one per episode);
    one pass for a network without noise. Call it within `own_generator`."""
    import torch

    from rlnoise.noise import carries_noise

    perturbations = getattr(policy, "parameter_noise", None)
    draws = NOISE_DRAWS if policy.training and carries_noise(policy) else 1
    total = 0.0
    with torch.no_grad():
        for _ in range(draws):
            if perturbations is not None:
                perturbations.restart()
            total = total + forward()
    return (total / draws).cpu().numpy().astype(np.float64)


def point_density(policy: Any, inputs: Any, low: float, high: float) -> np.ndarray:
    """A 1-D point policy's density at `DENSITY_POINTS` actions from `low` to `high`, per scene,
    averaged over the noise inside the network (`noise_average`: one draw per scene and pass)."""
    import torch

    actions = torch.linspace(low, high, DENSITY_POINTS, dtype=inputs.dtype, device=inputs.device)
    wanted = actions[:, None, None].expand(DENSITY_POINTS, len(inputs), 1)  # broadcast over the scenes
    density = noise_average(policy, lambda: policy.distribution(inputs).log_prob(wanted).exp())
    return density.T


def half_step(values: np.ndarray) -> float:
    """Half the smallest gap between distinct values (0.5 when there is only one)."""
    gaps = np.diff(np.unique(values))
    return float(gaps.min()) / 2 if gaps.size else 0.5
