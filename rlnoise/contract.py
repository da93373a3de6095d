"""What an rlnoise environment declares beyond the Gymnasium API (DESIGN.md section 3).

An environment is a plain ``gymnasium.Env``. rlnoise reads these optional declarations
from its unwrapped instance:

- ``mode_labels``: the labels of its good answers; every finished episode reports one of them,
  or ``None``, as ``info["mode"]``.
- ``symmetries``: transformations of observation and action that leave the reward unchanged.
  An environment that declares any accepts ``reset(options={"observation": obs})`` and starts
  from the state that observation describes, so the transformed start can be played.
- ``action_coordinates``: for a ``Discrete`` action space, one row of coordinates per action
  (``nan`` for an action that has none, such as a pass), so that an agent that outputs a point
  plays the nearest action. A ``Box`` action is its own coordinates.
- ``landmarks(observation)``: a method; the named points of the scene that an observation
  describes, in action coordinates, one row each (the bales, the stones on the board), which
  rlnoise's pictures draw beside where the policy acts.

This module imports nothing but numpy, so an environment in a user's own package can depend on
it without pulling in torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Symmetry:
    """A transformation of observations and actions that leaves every reward unchanged."""

    name: str
    observation: Callable[[np.ndarray], np.ndarray]
    action: Callable[[Any], Any]


def mode_labels(env: Any) -> tuple[str, ...]:
    """The mode labels an environment declares (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "mode_labels", ()))


def symmetries(env: Any) -> tuple[Symmetry, ...]:
    """The symmetries an environment declares (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "symmetries", ()))


def action_coordinates(env: Any) -> np.ndarray | None:
    """The coordinates of a discrete environment's actions, one row each, or ``None``."""
    coordinates = getattr(env.unwrapped, "action_coordinates", None)
    return None if coordinates is None else np.asarray(coordinates, dtype=np.float64)


def landmarks(env: Any, observation: np.ndarray) -> dict[str, np.ndarray]:
    """The named points of the scene `observation` describes, in action coordinates (or none)."""
    method = getattr(env.unwrapped, "landmarks", None)
    if method is None:
        return {}
    return {name: np.asarray(points, dtype=np.float64) for name, points in method(observation).items()}
