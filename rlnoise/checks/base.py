"""What every contract check builds on: the seeds it plays, the environment without gymnasium's
passive checker, reproducible random actions, an episode played and compared up to float rounding,
and `ContractWarning`, which passes a rule with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

SEEDS = (3, 14, 15, 92)
MAX_STEPS = 1000
"""Steps a check plays before it gives up waiting for an episode to end."""


def unchecked_env(env_id: str, env_kwargs: dict[str, Any], **kwargs: Any) -> gym.Env:
    """The environment, without gymnasium's passive checker (the gymnasium-api check runs it)."""
    return gym.make(env_id, disable_env_checker=True, **{**env_kwargs, **kwargs})


def random_actions(space: spaces.Space, seed: int, count: int = MAX_STEPS) -> list[Any]:
    """A reproducible sequence of random actions."""
    space.seed(seed)
    return [space.sample() for _ in range(count)]


def same(a: Any, b: Any) -> bool:
    """Whether two observations (or rewards) are equal up to float rounding."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))
    return a.shape == b.shape and bool(np.array_equal(a, b))


@dataclass
class Episode:
    """What one episode showed: its observations, rewards, ends and infos, step by step."""

    observations: list[Any]
    rewards: list[float]
    ends: list[tuple[bool, bool]]
    infos: list[dict[str, Any]]


def play_actions(env: gym.Env, actions: list[Any], **reset: Any) -> Episode:
    """Reset `env` with `reset`'s arguments and play `actions` until the episode ends."""
    observation, info = env.reset(**reset)
    episode = Episode([observation], [], [], [info])
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        episode.observations.append(observation)
        episode.rewards.append(float(reward))
        episode.ends.append((bool(terminated), bool(truncated)))
        episode.infos.append(info)
        if terminated or truncated:
            break
    return episode


class ContractWarning(Exception):
    """Something an environment may leave out, at a cost its runs will show; the message says which."""
