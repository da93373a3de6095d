"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import time

import gymnasium as gym


def vector_steps_per_second(vector: gym.vector.VectorEnv, seconds: float) -> float:
    """Environment steps per second of `vector` stepping random actions for about `seconds`."""
    vector.reset(seed=0)
    vector.action_space.seed(0)
    batches = [vector.action_space.sample() for _ in range(10)]
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for actions in batches:
            vector.step(actions)
        steps += len(batches) * vector.num_envs
    return steps / (time.perf_counter() - start)
