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
from rlnoise.episodes import play_first_episodes
from rlnoise.metrics import MODES, multimodality


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
    """Whether each episode ended between the good answers (`info["between"]`), or `None`."""


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
    envs = make_vector_env(env_id, contexts * samples, env_kwargs)

    def choose(observations: np.ndarray) -> np.ndarray:
        return adapter.to_env(
            policy.act(observation_tensor(observations, device), deterministic).cpu().numpy()
        )

    cuda = [torch.device(device).index or 0] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        seeds = [context for context in range(contexts) for _ in range(samples)]
        played = play_first_episodes(envs, seeds, choose)
    envs.close()
    return Episodes(
        observations=played.starts[::samples],
        actions=played.actions.reshape(contexts, samples, *played.actions.shape[1:]),
        returns=played.returns.reshape(contexts, samples),
        modes=played.modes.reshape(contexts, samples),
        between=played.between.reshape(contexts, samples),
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
