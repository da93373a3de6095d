"""The contract's rules on playing an episode again: the same seed and actions replay it
(`seed-determinism`), the native vector env plays each environment as the single env does
(`vector-env`), and each declared symmetry maps it to one with the same rewards and ends
(`symmetries`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rlnoise.checks.base import (
    SEEDS,
    ContractWarning,
    Episode,
    play_actions,
    random_actions,
    same,
    unchecked_env,
)
from rlnoise.config import Config
from rlnoise.contract import ContractError, symmetries
from rlnoise.environments import check_env_id, make_sync_vector_env, make_vector_env


def check_seed_determinism(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `seed-determinism`: the same seed and actions replay the same episode, in two instances."""
    first, second = unchecked_env(env_id, env_kwargs), unchecked_env(env_id, env_kwargs)
    for seed in SEEDS:
        actions = random_actions(first.action_space, seed)
        replays = [
            play_actions(first, actions, seed=seed),
            play_actions(second, actions, seed=seed),
            play_actions(first, actions, seed=seed),
        ]
        for replay in replays[1:]:
            if not same(replays[0].observations[0], replay.observations[0]):
                raise ContractError("seed-determinism", f"reset(seed={seed}) gave different observations")
            if not (
                all(same(a, b) for a, b in zip(replays[0].observations, replay.observations, strict=False))
                and same(replays[0].rewards, replay.rewards)
                and replays[0].ends == replay.ends
            ):
                raise ContractError("seed-determinism", f"two episodes from reset(seed={seed}) differ")
    return f"seeds {list(SEEDS)} replay exactly"


SLOW_STEPS_PER_SECOND = 200_000
"""Below this, `check-env` says what a native vector env would gain: a default run's 614,400
steps then take over 3 s of stepping alone, where a batched numpy env takes well under 1 s."""


def sync_steps_per_second(env_id: str, env_kwargs: dict[str, Any], seconds: float = 0.5) -> float:
    """Steps per second of gymnasium's `SyncVectorEnv` of 64 copies, stepping random actions."""
    vector = make_sync_vector_env(env_id, 64, env_kwargs)
    vector.reset(seed=0)
    batches = random_actions(vector.action_space, 0, count=8)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for actions in batches:
            vector.step(actions)
        steps += len(batches) * vector.num_envs
    vector.close()
    return steps / (time.perf_counter() - start)


def check_vector_env(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `vector-env`: the native vector env plays each environment as the single env does."""
    try:
        vector = make_vector_env(env_id, len(SEEDS), env_kwargs)
    except ValueError as error:
        raise ContractError("vector-env", str(error)) from error
    if check_env_id(env_id).vector_entry_point is None:
        sps = sync_steps_per_second(env_id, env_kwargs)
        note = f"no native vector env: gymnasium's SyncVectorEnv steps it at {sps:,.0f} steps/s"
        if sps < SLOW_STEPS_PER_SECOND:
            seconds = Config().total_timesteps / sps
            raise ContractWarning(
                f"{note}, {seconds:.0f} s of a default run's stepping; a native numpy vector env would "
                f'take about 1 s (docs/adding-an-environment.md, section "A native vector env")'
            )
        return note
    singles = [unchecked_env(env_id, env_kwargs) for _ in SEEDS]
    actions = [random_actions(vector.single_action_space, seed) for seed in SEEDS]
    episodes = [
        play_actions(env, moves, seed=seed) for env, moves, seed in zip(singles, actions, SEEDS, strict=True)
    ]
    observations, _ = vector.reset(seed=list(SEEDS))
    for index, episode in enumerate(episodes):
        if not same(observations[index], episode.observations[0]):
            raise ContractError(
                "vector-env",
                f"reset(seed={list(SEEDS)}) started env {index} at {observations[index]}, the single env's "
                f"reset(seed={SEEDS[index]}) at {episode.observations[0]}",
            )
    for step in range(max(len(episode.rewards) for episode in episodes)):
        batch = np.stack(
            [
                moves[min(step, len(episode.rewards) - 1)]
                for moves, episode in zip(actions, episodes, strict=True)
            ]
        )
        observations, rewards, terminated, truncated, infos = vector.step(batch)
        for index, episode in enumerate(episodes):
            if step < len(episode.rewards):
                _compare_step(episode, step, index, observations, rewards, terminated, truncated, infos)
    return f"{len(SEEDS)} episodes equal those of the single env"


def _compare_step(
    episode: Episode,
    step: int,
    index: int,
    observations: np.ndarray,
    rewards: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    infos: dict[str, Any],
) -> None:
    """Raise unless step `step` of env `index` of the vector env matches the single env's."""
    where = f"env {index} (seed {SEEDS[index]}), step {step + 1}"
    if not same(rewards[index], episode.rewards[step]):
        raise ContractError("vector-env", f"{where}: reward {rewards[index]} != {episode.rewards[step]}")
    ends = (bool(terminated[index]), bool(truncated[index]))
    single = episode.ends[step]
    if ends != single:
        raise ContractError(
            "vector-env", f"{where}: (terminated, truncated) {ends} != the single env's {single}"
        )
    if not any(episode.ends[step]):
        single_observation = episode.observations[step + 1]
        if not same(observations[index], single_observation):
            raise ContractError(
                "vector-env",
                f"{where}: observation {observations[index]} != the single env's {single_observation}",
            )
        return
    final_info = infos.get("final_info", {})
    if not (_flag(infos, "_final_obs", index) and _flag(final_info, "_mode", index)):
        raise ContractError(
            "vector-env",
            f'{where}: the episode ended without infos["final_obs"] and infos["final_info"]["mode"]',
        )
    if not same(infos["final_obs"][index], episode.observations[step + 1]):
        raise ContractError(
            "vector-env",
            f'{where}: infos["final_obs"] {infos["final_obs"][index]} != the single env\'s last '
            f"observation {episode.observations[step + 1]}",
        )
    for key in ("mode", "between"):
        single = episode.infos[step + 1].get(key)
        vector = final_info[key][index] if _flag(final_info, f"_{key}", index) else None
        if vector != single:
            raise ContractError("vector-env", f"{where}: {key} {vector!r} != the single env's {single!r}")


def _flag(infos: dict[str, Any], mask: str, index: int) -> bool:
    """Whether a vector env's info mask is present and set for env `index`."""
    return mask in infos and bool(infos[mask][index])


def check_symmetries(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `symmetries`: each symmetry maps an episode to one with the same rewards and ends."""
    env = unchecked_env(env_id, env_kwargs)
    declared = symmetries(env)
    if not declared:
        return "none declared"
    for seed in SEEDS:
        start, _ = env.reset(seed=seed)
        actions = random_actions(env.action_space, seed)
        original = play_actions(env, actions, seed=seed, options={"observation": start})
        for symmetry in declared:
            moved = [symmetry.action(action) for action in actions[: len(original.rewards)]]
            image = play_actions(env, moved, seed=seed, options={"observation": symmetry.observation(start)})
            problem = _symmetry_problem(original, image, symmetry.observation(start))
            if problem:
                raise ContractError("symmetries", f"{symmetry.name!r} from reset(seed={seed}): {problem}")
    return f"all {len(declared)} keep the rewards"


def _symmetry_problem(original: Episode, image: Episode, start: Any) -> str | None:
    """What differs between an episode and its image under a symmetry, or `None`."""
    if not same(image.observations[0], start):
        return 'reset(options={"observation": o}) did not start from o'
    if len(image.rewards) != len(original.rewards) or image.ends != original.ends:
        return "the episode ends differently"
    if not same(image.rewards, original.rewards):
        return f"rewards {original.rewards} became {image.rewards}"
    return None
