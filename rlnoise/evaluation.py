"""Evaluation: replay fixed contexts many times, both ways, and measure multimodality.

Context `i` is the start state that `reset(seed=i)` gives, so every run of every agent on the
same environment is evaluated on the same scenes. Each context is played `samples` times, in
one vector environment of `contexts * samples` copies. Sampling noise comes from a torch
generator seeded by the run's seed, so the same run evaluates to the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from agents.base import Policy
from rlnoise.actions import ActionAdapter
from rlnoise.environments import make_vector_env
from rlnoise.metrics import MODES, multimodality

MAX_EPISODE_STEPS = 100_000


@dataclass
class Episodes:
    """The first episode of every copy, arranged as `[context, sample]`."""

    observations: np.ndarray
    """The start observation of each context: `[contexts, *observation_shape]`."""
    actions: np.ndarray
    """The first environment action of each episode: `[contexts, samples, *action_shape]`."""
    returns: np.ndarray
    modes: np.ndarray
    """The good answer each episode reached (`info["mode"]`), or `None`."""
    between: np.ndarray
    """Whether each episode ended between the good answers (`info["between"]`), or `None` where
    the environment does not say."""


def observation_tensor(observations: np.ndarray, device: str) -> torch.Tensor:
    """A batch of observations as a float tensor of flat feature vectors."""
    return torch.as_tensor(observations, dtype=torch.float32, device=device).reshape(len(observations), -1)


@torch.no_grad()
def play(
    policy: Policy,
    adapter: ActionAdapter,
    env_id: str,
    env_kwargs: dict[str, Any],
    contexts: int,
    samples: int,
    deterministic: bool,
    seed: int,
    device: str = "cpu",
) -> Episodes:
    """Play every context `samples` times, to the end of its first episode."""
    num_envs = contexts * samples
    envs = make_vector_env(env_id, num_envs, env_kwargs)
    observations, _ = envs.reset(seed=[context for context in range(contexts) for _ in range(samples)])
    start = observations[::samples].copy()
    returns = np.zeros(num_envs)
    modes = np.full(num_envs, None, dtype=object)
    between = np.full(num_envs, None, dtype=object)
    running = np.ones(num_envs, dtype=bool)
    first_actions = None
    cuda = [torch.device(device).index or 0] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        for _ in range(MAX_EPISODE_STEPS):
            outputs = policy.act(observation_tensor(observations, device), deterministic)
            actions = adapter.to_env(outputs.cpu().numpy())
            if first_actions is None:
                first_actions = actions
            observations, rewards, terminated, truncated, infos = envs.step(actions)
            returns += np.where(running, rewards, 0.0)
            ended = running & (terminated | truncated)
            final = infos.get("final_info", {})
            for key, values in (("mode", modes), ("between", between)):
                if key in final:
                    values[ended] = np.where(final[f"_{key}"], final[key], None)[ended]
            running &= ~ended
            if not running.any():
                break
        else:
            raise RuntimeError(f"{env_id}: some episodes did not end within {MAX_EPISODE_STEPS} steps")
    envs.close()
    return Episodes(
        observations=start,
        actions=first_actions.reshape(contexts, samples, *first_actions.shape[1:]),
        returns=returns.reshape(contexts, samples),
        modes=modes.reshape(contexts, samples),
        between=between.reshape(contexts, samples),
    )


def figures(episodes: Episodes, labels: tuple[str, ...]) -> dict[str, Any]:
    """Mean return, the multimodality figures and the outcomes of a set of episodes, per start state."""
    return multimodality(episodes.modes.tolist(), labels, episodes.between.tolist(), episodes.returns)


def evaluate(
    policy: Policy,
    adapter: ActionAdapter,
    env_id: str,
    env_kwargs: dict[str, Any],
    labels: tuple[str, ...],
    contexts: int,
    samples: int,
    seed: int,
    device: str = "cpu",
) -> tuple[dict[str, dict[str, Any]], dict[str, Episodes]]:
    """Figures and episodes of both evaluation modes, sampled and deterministic."""
    episodes = {
        mode: play(
            policy,
            adapter,
            env_id,
            env_kwargs,
            contexts,
            samples,
            mode == "deterministic",
            seed,
            device,
        )
        for mode in MODES
    }
    return {mode: figures(episodes[mode], labels) for mode in MODES}, episodes
