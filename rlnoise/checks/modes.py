"""The contract's rules on the outcome labels: episodes report a declared label and every label
can be reached (`modes`), the declared expert's episodes end on good answers and reach every label
(`expert`), and the average of the good answers ends between them (`between`). Fixed actions held
for a whole episode (`search`) find the good answers.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlnoise.actions import nearest
from rlnoise.checks.base import MAX_STEPS, SEEDS, ContractWarning, play_actions, random_actions, unchecked_env
from rlnoise.contract import ContractError, action_coordinates, expert, mode_labels
from rlnoise.environments import make_sync_vector_env, make_vector_env
from rlnoise.episodes import FirstEpisodes, play_first_episodes

SEARCH_ACTIONS = 256
"""Random fixed actions tried per start state on a non-`Discrete` action space."""


def hold_actions(env_id: str, env_kwargs: dict[str, Any], seed: int, actions: np.ndarray) -> FirstEpisodes:
    """Each action held for a whole episode, in its own single env started by `reset(seed=seed)`."""
    envs = make_sync_vector_env(env_id, len(actions), env_kwargs)
    try:
        return play_first_episodes(envs, [seed] * len(actions), lambda _: actions)
    finally:
        envs.close()


def _candidates(space: spaces.Space, seed: int) -> np.ndarray:
    """Every action of a `Discrete` space, else `SEARCH_ACTIONS` reproducible random ones."""
    if isinstance(space, spaces.Discrete):
        return space.start + np.arange(space.n)
    return np.stack(random_actions(space, seed, SEARCH_ACTIONS))


def search(env_id: str, env_kwargs: dict[str, Any], seed: int) -> FirstEpisodes:
    """Every candidate action (`_candidates`) held for a whole episode from `reset(seed=seed)`."""
    return hold_actions(
        env_id, env_kwargs, seed, _candidates(unchecked_env(env_id, env_kwargs).action_space, seed)
    )


def check_modes(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `modes`: episodes report a declared label or `None`, and every label can be reached."""
    env = unchecked_env(env_id, env_kwargs)
    labels = mode_labels(env)
    reached = set()
    for seed in SEEDS:
        episode = play_actions(env, random_actions(env.action_space, seed), seed=seed)
        if not any(episode.ends[-1]):
            raise ContractError(
                "modes", f"the episode from reset(seed={seed}) did not end in {MAX_STEPS} steps"
            )
        info = episode.infos[-1]
        if "mode" not in info:
            raise ContractError(
                "modes", f'the episode from reset(seed={seed}) ended with info {info}, no "mode"'
            )
        if info["mode"] is not None and info["mode"] not in labels:
            raise ContractError("modes", f"mode {info['mode']!r} is not one of {labels}")
        reached.add(info["mode"])
    for seed in SEEDS[:2]:
        found = search(env_id, env_kwargs, seed)
        unknown = set(found.modes) - {*labels, None}
        if unknown:
            raise ContractError("modes", f"modes {sorted(map(str, unknown))} are not among {labels}")
        reached.update(found.modes)
    missing = [label for label in labels if label not in reached]
    if missing:
        raise ContractError(
            "modes",
            f"no episode reached {', '.join(map(repr, missing))}: neither random play nor any of the "
            f"fixed actions held from reset(seed={list(SEEDS[:2])})",
        )
    return f"all {len(labels)} labels reached by random play or fixed actions"


def check_expert(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `expert`: the declared expert's episodes end on good answers, and reach every label."""
    env = unchecked_env(env_id, env_kwargs)
    teacher, labels = expert(env), mode_labels(env)
    if teacher is None:
        return "no expert declared (--algo bc is refused)"
    generator = np.random.default_rng(0)
    seeds = [SEEDS[index % len(SEEDS)] for index in range(16 * max(len(SEEDS), len(labels)))]
    envs = make_vector_env(env_id, len(seeds), env_kwargs)
    try:
        played = play_first_episodes(envs, seeds, lambda observations: teacher(observations, generator))
    finally:
        envs.close()
    wrong = [mode for mode in played.modes if mode not in labels]
    if wrong:
        raise ContractError(
            "expert", f"{len(wrong)} of {len(played.modes)} expert episodes ended with mode {wrong[0]!r}"
        )
    missing = [label for label in labels if label not in set(played.modes)]
    if missing:
        raise ContractError(
            "expert", f"the expert reached no {', '.join(map(repr, missing))} in {len(played.modes)} episodes"
        )
    return f"{len(played.modes)} expert episodes: all good answers, all {len(labels)} labels reached"


def _averaging_actions(env: gym.Env, found: FirstEpisodes, labels: tuple[str, ...]) -> tuple[list, Any]:
    """The best-returning action that reached each label, and the average of the good answers:
    the mean over labels of the actions that reached each (`None` for a `Discrete` space without
    `action_coordinates`)."""
    good, means = [], []
    coordinates = action_coordinates(env)
    for label in labels:
        hits = np.flatnonzero(found.modes == label)
        good.append(found.actions[hits[found.returns[hits].argmax()]])
        points = found.actions[hits] if coordinates is None else coordinates[found.actions[hits]]
        means.append(np.asarray(points, dtype=np.float64).mean(axis=0))
    average = np.mean(means, axis=0)
    if isinstance(env.action_space, spaces.Discrete):
        if coordinates is None:
            return good, None
        return good, env.action_space.start + nearest(coordinates, average[None])[0]
    return good, average.astype(env.action_space.dtype)


def check_between(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `between`: the average of the good answers ends between them, each good answer does not."""
    env = unchecked_env(env_id, env_kwargs)
    labels = mode_labels(env)
    for seed in SEEDS[:2]:
        found = search(env_id, env_kwargs, seed)
        if any(flag is None for flag in found.between):
            raise ContractWarning(
                'the env does not report info["between"] at the end of an episode: its runs can never '
                "be labelled averaged (they read diffuse), see docs/adding-an-environment.md"
            )
        if not all(label in set(found.modes) for label in labels):
            continue  # the modes rule reports labels that fixed actions do not reach
        good, average = _averaging_actions(env, found, labels)
        actions = np.stack(good if average is None else [*good, average])
        held = hold_actions(env_id, env_kwargs, seed, actions)
        for label, action, flag in zip(labels, good, held.between, strict=False):
            if flag:
                raise ContractError(
                    "between", f"from reset(seed={seed}), {label!r}'s action {action} ended between"
                )
        # Where the average is itself a good answer (the empty board's centre), nothing is between.
        if average is not None and held.modes[-1] is None and not held.between[-1]:
            raise ContractError(
                "between",
                f"from reset(seed={seed}), the average of the good answers' actions, {average}, "
                "did not end between",
            )
    return "the average of the good answers ends between them, each good answer does not"
