"""How a policy's output becomes an environment's action (docs/design.md section 4).

Four connections, chosen from the policy's `output` and the environment's action space:

- a point policy on a `Box` space: the point is the action, clipped to the box;
- a point policy on a `Discrete` space that declares `action_coordinates`: the action whose
  coordinates lie nearest the point (an action without coordinates, such as a pass, is never
  the nearest);
- a choice policy on a `Discrete` space: the choice is the action;
- a choice policy on a `Box` space: the box is split into `bins` evenly spaced values per
  dimension, and the choice is one point of that grid (as gymnasium's `DiscretizeAction`). The
  grid grows as `bins ** dimensions`, so the default (`default_bins`) is 41 values on a line and
  about `GRID_ACTIONS` points on more dimensions: 11 x 11 on a plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from gymnasium import spaces

from rlnoise.contract import action_coordinates


class ActionMappingError(ValueError):
    """A policy's kind of output cannot be connected to an environment's action space."""


@dataclass(frozen=True)
class ActionAdapter:
    """Turns a batch of policy outputs into a batch of environment actions."""

    policy_output: str
    action_size: int
    action_space: spaces.Space
    coordinates: np.ndarray | None = None
    """Coordinates of each environment action (a point policy on a `Discrete` space: nearest)."""
    bins: int | None = None
    """Values per dimension of the grid of a choice policy on a `Box` space."""

    @cached_property
    def points(self) -> np.ndarray | None:
        """Coordinates of each policy choice (the grid, built when first used: an adapter counts its
        choices without building them) or of each environment action (nearest)."""
        return self.coordinates if self.bins is None else grid(self.action_space, self.bins)

    def to_env(self, outputs: np.ndarray) -> np.ndarray:
        """Environment actions for a batch of policy outputs."""
        space = self.action_space
        if isinstance(space, spaces.Box):
            if self.policy_output == "point":
                points = outputs.reshape(len(outputs), *space.shape)
            else:
                points = self.points[outputs].reshape(len(outputs), *space.shape)
            return np.clip(points, space.low, space.high).astype(space.dtype)
        index = outputs if self.policy_output == "choice" else nearest(self.points, outputs)
        return index.astype(np.int64) + int(space.start)


def nearest(coordinates: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each point, the index of the nearest row of `coordinates` (`nan` rows never win)."""
    distances = ((points[:, None, :] - coordinates[None, :, :]) ** 2).sum(axis=-1)
    return np.nan_to_num(distances, nan=np.inf).argmin(axis=1)


LINE_BINS = 41
GRID_ACTIONS = 128
"""The default grid: `LINE_BINS` values on a 1-D box; on more dimensions as many values per
dimension as keep the grid within `GRID_ACTIONS` points (a categorical agent learned a diffuse
ring over 41 x 41 = 1681 and covered the good answers over 11 x 11)."""


def default_bins(dimensions: int) -> int:
    """The values per dimension of a `dimensions`-dimensional box's grid when `--bins` is not given."""
    if dimensions == 1:
        return LINE_BINS
    return max(2, int(GRID_ACTIONS ** (1 / dimensions) + 1e-9))


def grid_bins(space: spaces.Box, bins: int | None) -> int:
    """The values per dimension of a grid on `space`: `bins`, else the default for its number of
    dimensions; an ActionMappingError for a space without bounds to split."""
    if not (np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))):
        raise ActionMappingError("a categorical policy needs a bounded Box action space")
    return bins or default_bins(int(np.prod(space.shape)))


def grid(space: spaces.Box, bins: int) -> np.ndarray:
    """All points of a grid with `bins` evenly spaced values per dimension of the bounded `space`
    (`grid_bins` checks the bounds and picks the default)."""
    axes = [
        np.linspace(low, high, bins) for low, high in zip(space.low.ravel(), space.high.ravel(), strict=True)
    ]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))


def make_adapter(env: Any, policy_output: str, bins: int | None) -> ActionAdapter:
    """The adapter between a policy with this kind of output and `env`'s action space; a grid of
    choices is counted here and built when first used, so that a plan can refuse one too large for
    memory (`--bins 1000000000`) first."""
    space = env.action_space
    if isinstance(space, spaces.Box):
        dimensions = int(np.prod(space.shape))
        if policy_output == "point":
            return ActionAdapter("point", dimensions, space)
        bins = grid_bins(space, bins)
        return ActionAdapter("choice", bins**dimensions, space, bins=bins)
    if isinstance(space, spaces.Discrete):
        if policy_output == "choice":
            return ActionAdapter("choice", int(space.n), space)
        coordinates = action_coordinates(env)
        if coordinates is None:
            raise ActionMappingError(
                "a point policy needs a Box action space or a Discrete one that declares "
                "action_coordinates; this environment declares none"
            )
        return ActionAdapter("point", coordinates.shape[1], space, coordinates)
    raise ActionMappingError(f"unsupported action space {space}: use Box or Discrete")
