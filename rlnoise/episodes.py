"""Playing every copy of a vector environment to the end of its first episode (no torch).

The evaluation plays a policy this way, and `check-env` plays fixed actions, so both read the
end of an episode (its return, `info["mode"]` and `info["between"]`) in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from gymnasium.vector import VectorEnv

MAX_EPISODE_STEPS = 100_000


@dataclass
class FirstEpisodes:
    """The first episode of every copy of a vector environment, one entry per copy."""

    starts: np.ndarray
    """The start observation of each copy."""
    actions: np.ndarray
    """The first action of each episode."""
    returns: np.ndarray
    modes: np.ndarray
    """The good answer each episode reached (`info["mode"]`), or `None`."""
    between: np.ndarray
    """Whether each episode ended between the good answers (`info["between"]`), or `None` where
    the environment does not say."""
    paths: list[np.ndarray] | None = None
    """When recorded: each episode's observations, from its start to its last (`final_obs`)."""


def play_first_episodes(
    envs: VectorEnv, seeds: list[int], choose: Callable[[np.ndarray], np.ndarray], record: bool = False
) -> FirstEpisodes:
    """Reset copy `i` with `seeds[i]` and step every copy with `choose(observations)` until each
    has finished its first episode (the copies that finished keep stepping, uncounted); with
    `record`, keep every episode's path of observations too."""
    observations, _ = envs.reset(seed=seeds)
    starts = observations.copy()
    trail, lengths = [starts], np.zeros(envs.num_envs, dtype=np.int64)
    returns = np.zeros(envs.num_envs)
    modes = np.full(envs.num_envs, None, dtype=object)
    between = np.full(envs.num_envs, None, dtype=object)
    running = np.ones(envs.num_envs, dtype=bool)
    first_actions = None
    for _ in range(MAX_EPISODE_STEPS):
        actions = choose(observations)
        if first_actions is None:
            first_actions = actions
        observations, rewards, terminated, truncated, infos = envs.step(actions)
        returns += np.where(running, rewards, 0.0)
        ended = running & (terminated | truncated)
        if record:
            shown = observations.copy()
            for index in np.flatnonzero(ended):  # the last observation, before the autoreset
                shown[index] = infos["final_obs"][index]
            trail.append(shown)
            lengths[running] += 1
        final = infos.get("final_info", {})
        for key, values in (("mode", modes), ("between", between)):
            if key in final:
                values[ended] = np.where(final[f"_{key}"], final[key], None)[ended]
        running &= ~ended
        if not running.any():
            stacked = np.stack(trail) if record else None
            paths = None if stacked is None else [stacked[: n + 1, i] for i, n in enumerate(lengths)]
            return FirstEpisodes(starts, first_actions, returns, modes, between, paths)
    raise RuntimeError(f"some episodes did not end within {MAX_EPISODE_STEPS} steps")
