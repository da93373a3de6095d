"""Evaluation: replay fixed contexts many times, both ways, and measure multimodality.

Context `i` is the start state that `reset(seed=i)` gives, so every run of every agent on the
same environment is evaluated on the same scenes. Each context is played `samples` times, in
one vector environment of `contexts * samples` copies, built once per run (`Evaluation.make_envs`)
and reset with the contexts' seeds before each play. Sampling noise comes from a torch
generator seeded by the run's seed, so the same run evaluates to the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
from gymnasium.vector import VectorEnv

from rlnoise.actions import ActionAdapter
from rlnoise.agents.base import Policy
from rlnoise.contract import env_figures, mode_labels
from rlnoise.environments import make_vector_env
from rlnoise.episodes import play_first_episodes
from rlnoise.metrics import EVALUATIONS, multimodality


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


@dataclass(frozen=True)
class Evaluation:
    """How a run is evaluated: its environment, how many start states, how many plays of each,
    the seed of the sampling noise, and the torch device."""

    env_id: str
    env_kwargs: dict[str, Any]
    labels: tuple[str, ...]
    """The environment's mode labels (its good answers)."""
    contexts: int
    samples: int
    seed: int
    device: str = "cpu"
    fixed_start: bool = False
    """Whether the environment always starts in the same state: then `contexts` is 1 (`planned`)."""
    env_figures: Callable[[np.ndarray], dict[str, float]] | None = None
    """The environment's own figures of a set of episodes' modes (`rlnoise.contract.env_figures`)."""

    @classmethod
    def planned(
        cls,
        env: Any,
        env_id: str,
        env_kwargs: dict[str, Any],
        contexts: int,
        samples: int,
        seed: int,
        device: str,
    ) -> Evaluation:
        """The evaluation of `contexts` start states x `samples` plays, or, when `env` starts in the
        same state from every one of those seeds, of that one state played `contexts x samples`
        times: copies of one state are not several states."""
        fixed = fixed_start(env, contexts)
        if fixed:
            contexts, samples = 1, contexts * samples
        declared = partial(env_figures, env)
        return cls(env_id, env_kwargs, mode_labels(env), contexts, samples, seed, device, fixed, declared)

    def make_envs(self) -> VectorEnv:
        """The vector env of `contexts * samples` copies that `play` resets; build it once per run."""
        return make_vector_env(self.env_id, self.contexts * self.samples, self.env_kwargs)


def fixed_start(env: Any, contexts: int = 8) -> bool:
    """Whether `env` starts in the same state from each of the reset seeds 0 to `contexts - 1`."""
    first = np.asarray(env.reset(seed=0)[0])
    return all(
        np.array_equal(np.asarray(env.reset(seed=seed)[0]), first) for seed in range(1, max(contexts, 2))
    )


@contextmanager
def own_generator(device: str, seed: int) -> Iterator[None]:
    """Within: torch draws from a generator seeded with `seed`, and training's generators (the CPU's
    and `device`'s) are left as they were, so what is played or drawn here never changes training."""
    cuda = [torch.device(device).index or 0] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


@torch.no_grad()
def play(
    policy: Policy, adapter: ActionAdapter, evaluation: Evaluation, envs: VectorEnv, deterministic: bool
) -> Episodes:
    """Play every context `samples` times in `envs` (`evaluation.make_envs()`), to the end of its
    first episode."""
    device, samples = evaluation.device, evaluation.samples

    def choose(observations: np.ndarray) -> np.ndarray:
        return adapter.to_env(
            policy.act(observation_tensor(observations, device), deterministic).cpu().numpy()
        )

    with own_generator(device, evaluation.seed):
        seeds = [context for context in range(evaluation.contexts) for _ in range(samples)]
        played = play_first_episodes(envs, seeds, choose)
    return Episodes(
        observations=played.starts[::samples],
        actions=played.actions.reshape(evaluation.contexts, samples, *played.actions.shape[1:]),
        returns=played.returns.reshape(evaluation.contexts, samples),
        modes=played.modes.reshape(evaluation.contexts, samples),
        between=played.between.reshape(evaluation.contexts, samples),
    )


def figures(
    episodes: Episodes,
    labels: tuple[str, ...],
    intervals: bool = True,
    declared: Callable[[np.ndarray], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Mean return, the multimodality figures and the outcomes of a set of episodes, per start state
    (with their intervals unless `intervals` is false), each start state with its first episode's
    first action (`state_starts`, `state_actions`: a theory's order parameter's input), and the
    environment's own figures of all the episodes' modes (`env_figures`, when it declares any:
    `declared` is `Evaluation.env_figures`)."""
    modes, between = episodes.modes.tolist(), episodes.between.tolist()
    own = {} if declared is None else declared(episodes.modes.reshape(-1))
    return {
        **multimodality(modes, labels, between, episodes.returns, intervals),
        "state_starts": episodes.observations.reshape(len(modes), -1).tolist(),
        "state_actions": episodes.actions[:, 0].reshape(len(modes), -1).tolist(),
        **({"env_figures": own} if own else {}),
    }


def evaluate(
    policy: Policy,
    adapter: ActionAdapter,
    evaluation: Evaluation,
    envs: VectorEnv | None = None,
    intervals: bool = True,
) -> tuple[dict[str, dict[str, Any]], dict[str, Episodes]]:
    """Figures (with their intervals unless `intervals` is false) and episodes of both evaluations,
    sampled and deterministic, played in `envs` (made and closed here when not given)."""
    played = envs or evaluation.make_envs()
    episodes = {way: play(policy, adapter, evaluation, played, way == "deterministic") for way in EVALUATIONS}
    if envs is None:
        played.close()
    return {
        way: figures(episodes[way], evaluation.labels, intervals, evaluation.env_figures)
        for way in EVALUATIONS
    }, episodes
