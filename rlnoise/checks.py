"""The contract's rules (`rlnoise.contract.RULES`) as plain checks, one function per rule.

Each check takes an environment id (`Name-vN` or `my_pkg.my_module:Name-vN`) and the
environment's keyword arguments, returns a short note on what it verified, and raises
`ContractError` (naming the rule broken and how to mend it) when the environment breaks the
rule. `run_checks` runs them all, as `rlnoise check-env` and `tests/test_contract.py` do.
Only the `trains` check imports torch.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from rlnoise.actions import nearest
from rlnoise.config import Config
from rlnoise.contract import (
    ContractError,
    Symmetry,
    Theory,
    action_coordinates,
    expert,
    mode_labels,
    observation_names,
    symmetries,
    theories,
)
from rlnoise.environments import check_env_id, make_sync_vector_env, make_vector_env
from rlnoise.episodes import FirstEpisodes, play_first_episodes
from rlnoise.errors import UsageError
from rlnoise.flags import env_defaults
from rlnoise.metrics import EVALUATIONS, OUTCOMES
from rlnoise.names import flag_name

SEEDS = (3, 14, 15, 92)
MAX_STEPS = 1000
"""Steps a check plays before it gives up waiting for an episode to end."""


def _make(env_id: str, env_kwargs: dict[str, Any], **kwargs: Any) -> gym.Env:
    """The environment, without gymnasium's passive checker (the gymnasium-api check runs it)."""
    return gym.make(env_id, disable_env_checker=True, **{**env_kwargs, **kwargs})


def _actions(space: spaces.Space, seed: int, count: int = MAX_STEPS) -> list[Any]:
    """A reproducible sequence of random actions."""
    space.seed(seed)
    return [space.sample() for _ in range(count)]


def _same(a: Any, b: Any) -> bool:
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


def play(env: gym.Env, actions: list[Any], **reset: Any) -> Episode:
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


def check_gymnasium_api(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `gymnasium-api`: gymnasium's own environment checker passes."""
    env = _make(env_id, env_kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env.unwrapped, skip_render_check=True)
    except Exception as error:
        raise ContractError("gymnasium-api", f"{type(error).__name__}: {error}") from error
    return "gymnasium.utils.env_checker.check_env passed"


def check_declarations(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `declarations`: the mode labels, symmetries, action coordinates, observation names,
    training defaults, theories and render modes."""
    env = _make(env_id, env_kwargs)
    labels = mode_labels(env)
    if not labels or not all(isinstance(label, str) for label in labels) or len(set(labels)) < len(labels):
        raise ContractError("declarations", f"mode_labels is {labels!r}")
    for symmetry in symmetries(env):
        if not isinstance(symmetry, Symmetry):
            raise ContractError("declarations", f"symmetries holds {symmetry!r}, not a Symmetry")
    coordinates = action_coordinates(env)
    if coordinates is not None:
        space = env.action_space
        if not isinstance(space, spaces.Discrete) or coordinates.ndim != 2 or len(coordinates) != space.n:
            raise ContractError(
                "declarations",
                f"action_coordinates has shape {coordinates.shape} for action space {space}",
            )
    names = observation_names(env)
    size = int(np.prod(env.observation_space.shape or (1,)))
    if names and (len(names) != size or not all(isinstance(name, str) for name in names)):
        raise ContractError("declarations", f"observation_names is {names!r} for {size} observation entries")
    try:
        defaults = env_defaults(env_id, env_kwargs)
    except UsageError as error:
        raise ContractError("declarations", str(error)) from error
    for theory in theories(env):
        _check_theory(env, theory)
    render_modes = env.metadata.get("render_modes", [])
    missing = [mode for mode in ("ansi", "rgb_array") if mode not in render_modes]
    if missing:
        raise ContractError("declarations", f'metadata["render_modes"] is {render_modes}, without {missing}')
    settings = ", ".join(f"{flag_name(name)} {value}" for name, value in defaults.items())
    names = ", ".join(symmetry.name for symmetry in symmetries(env)) or "none"
    predictions = "; ".join(f"{theory.agent} {theory.mode}: {theory.statement}" for theory in theories(env))
    return (
        f"mode labels: {', '.join(labels)}; symmetries: {names}"
        + (f"; training defaults: {settings}" if settings else "")
        + (f"; theories: {predictions}" if predictions else "")
    )


def _check_theory(env: gym.Env, theory: Theory) -> None:
    """Raise ContractError unless `theory` is a Theory that predicts outcome labels for start states."""
    if not isinstance(theory, Theory):
        raise ContractError("declarations", f"theories holds {theory!r}, not a Theory")
    if theory.mode not in EVALUATIONS or theory.outcome not in OUTCOMES:
        problem = f"theory of {theory.agent!r} has mode {theory.mode!r} and outcome {theory.outcome!r}"
        raise ContractError("declarations", problem)
    settings = asdict(Config(env_id=env.spec.id if env.spec else "", agent=theory.agent))
    for seed in SEEDS:
        observation, _ = env.reset(seed=seed)
        predicted = theory.predict(env.unwrapped, observation, settings)
        if predicted not in OUTCOMES:
            raise ContractError(
                "declarations", f"theory of {theory.agent!r} predicts {predicted!r}, not one of {OUTCOMES}"
            )


def check_seed_determinism(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `seed-determinism`: the same seed and actions replay the same episode, in two instances."""
    first, second = _make(env_id, env_kwargs), _make(env_id, env_kwargs)
    for seed in SEEDS:
        actions = _actions(first.action_space, seed)
        replays = [
            play(first, actions, seed=seed),
            play(second, actions, seed=seed),
            play(first, actions, seed=seed),
        ]
        for replay in replays[1:]:
            if not _same(replays[0].observations[0], replay.observations[0]):
                raise ContractError("seed-determinism", f"reset(seed={seed}) gave different observations")
            if not (
                all(_same(a, b) for a, b in zip(replays[0].observations, replay.observations, strict=False))
                and _same(replays[0].rewards, replay.rewards)
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
    batches = _actions(vector.action_space, 0, count=8)
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
    singles = [_make(env_id, env_kwargs) for _ in SEEDS]
    actions = [_actions(vector.single_action_space, seed) for seed in SEEDS]
    episodes = [play(env, moves, seed=seed) for env, moves, seed in zip(singles, actions, SEEDS, strict=True)]
    observations, _ = vector.reset(seed=list(SEEDS))
    for index, episode in enumerate(episodes):
        if not _same(observations[index], episode.observations[0]):
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
    if not _same(rewards[index], episode.rewards[step]):
        raise ContractError("vector-env", f"{where}: reward {rewards[index]} != {episode.rewards[step]}")
    ends = (bool(terminated[index]), bool(truncated[index]))
    single = episode.ends[step]
    if ends != single:
        raise ContractError(
            "vector-env", f"{where}: (terminated, truncated) {ends} != the single env's {single}"
        )
    if not any(episode.ends[step]):
        single_observation = episode.observations[step + 1]
        if not _same(observations[index], single_observation):
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
    if not _same(infos["final_obs"][index], episode.observations[step + 1]):
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
    env = _make(env_id, env_kwargs)
    declared = symmetries(env)
    if not declared:
        return "none declared"
    for seed in SEEDS:
        start, _ = env.reset(seed=seed)
        actions = _actions(env.action_space, seed)
        original = play(env, actions, seed=seed, options={"observation": start})
        for symmetry in declared:
            moved = [symmetry.action(action) for action in actions[: len(original.rewards)]]
            image = play(env, moved, seed=seed, options={"observation": symmetry.observation(start)})
            problem = _symmetry_problem(original, image, symmetry.observation(start))
            if problem:
                raise ContractError("symmetries", f"{symmetry.name!r} from reset(seed={seed}): {problem}")
    return f"all {len(declared)} keep the rewards"


def _symmetry_problem(original: Episode, image: Episode, start: Any) -> str | None:
    """What differs between an episode and its image under a symmetry, or `None`."""
    if not _same(image.observations[0], start):
        return 'reset(options={"observation": o}) did not start from o'
    if len(image.rewards) != len(original.rewards) or image.ends != original.ends:
        return "the episode ends differently"
    if not _same(image.rewards, original.rewards):
        return f"rewards {original.rewards} became {image.rewards}"
    return None


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
    return np.stack(_actions(space, seed, SEARCH_ACTIONS))


def search(env_id: str, env_kwargs: dict[str, Any], seed: int) -> FirstEpisodes:
    """Every candidate action (`_candidates`) held for a whole episode from `reset(seed=seed)`."""
    return hold_actions(env_id, env_kwargs, seed, _candidates(_make(env_id, env_kwargs).action_space, seed))


def check_modes(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `modes`: episodes report a declared label or `None`, and every label can be reached."""
    env = _make(env_id, env_kwargs)
    labels = mode_labels(env)
    reached = set()
    for seed in SEEDS:
        episode = play(env, _actions(env.action_space, seed), seed=seed)
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
    env = _make(env_id, env_kwargs)
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


class ContractWarning(Exception):
    """Something an environment may leave out, at a cost its runs will show; the message says which."""


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
    env = _make(env_id, env_kwargs)
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


def check_render(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `render`: `"ansi"` renders a str, `"rgb_array"` an HxWx3 uint8 array, before and after a step."""
    shapes = []
    for render_mode in ("ansi", "rgb_array"):
        env = _make(env_id, env_kwargs, render_mode=render_mode)
        env.reset(seed=SEEDS[0])
        frames = [env.render()]
        env.step(env.action_space.sample())
        frames.append(env.render())
        for frame in frames:
            if render_mode == "ansi" and not isinstance(frame, str):
                raise ContractError(
                    "render", f'render() in render_mode "ansi" returned {type(frame).__name__}'
                )
            if render_mode == "rgb_array" and not (
                isinstance(frame, np.ndarray)
                and frame.ndim == 3
                and frame.shape[2] == 3
                and frame.dtype == np.uint8
            ):
                description = getattr(frame, "shape", type(frame).__name__), getattr(frame, "dtype", "")
                raise ContractError("render", f'render() in render_mode "rgb_array" returned {description}')
        shapes.append(frames[-1].shape if render_mode == "rgb_array" else "str")
    return f"ansi: str, rgb_array: {shapes[1]}"


def check_trains(env_id: str, env_kwargs: dict[str, Any], agent: str) -> str:
    """Rule `trains`: `agent` trains for two small updates and is evaluated both ways."""
    from rlnoise.train import train

    num_envs, num_steps = 4, check_env_id(env_id).max_episode_steps or 1
    with tempfile.TemporaryDirectory() as logdir:
        config = Config(
            env_id=env_id,
            agent=agent,
            env_kwargs=env_kwargs,
            logdir=logdir,
            total_timesteps=2 * num_envs * num_steps,
            num_envs=num_envs,
            hidden=8,
            eval_contexts=2,
            eval_samples=2,
        )
        try:
            result = train(config, progress=False)
        except Exception as error:
            raise ContractError("trains", f"agent {agent!r}: {type(error).__name__}: {error}") from error
    returns = [result[way]["return"] for way in EVALUATIONS]
    if not np.all(np.isfinite(returns)):
        raise ContractError("trains", f"agent {agent!r} evaluated to returns {returns}")
    return f"{result['global_step']} steps, sampled return {returns[0]:.3g}"


CHECKS: dict[str, Callable[..., str]] = {
    "gymnasium-api": check_gymnasium_api,
    "declarations": check_declarations,
    "seed-determinism": check_seed_determinism,
    "vector-env": check_vector_env,
    "symmetries": check_symmetries,
    "modes": check_modes,
    "between": check_between,
    "expert": check_expert,
    "render": check_render,
    "trains": check_trains,
}


@dataclass
class Result:
    """The outcome of one check: passed or not, and its note, warning or error."""

    name: str
    passed: bool
    message: str
    warning: bool = False


def checks(agent_names: list[str]) -> list[tuple[str, str, Callable[[str, dict[str, Any]], str]]]:
    """Every check to run as `(name, rule, check)`: one per rule, the `trains` rule once per agent."""
    named = [(rule, rule, check) for rule, check in CHECKS.items() if rule != "trains"]
    named += [(f"trains ({agent})", "trains", partial(check_trains, agent=agent)) for agent in agent_names]
    return named


def run_checks(env_id: str, env_kwargs: dict[str, Any] | None = None) -> Iterator[Result]:
    """Run every check on the environment, yielding each result as it comes.

    A check that crashes (the environment raised an exception) fails its rule with that error; a
    `ContractWarning` passes it with a warning.
    """
    from rlnoise import agents

    for name, rule, check in checks(list(agents.AGENTS)):
        try:
            yield Result(name, True, check(env_id, env_kwargs or {}))
        except ContractWarning as warning:
            yield Result(name, True, str(warning), warning=True)
        except ContractError as error:
            yield Result(name, False, str(error))
        except Exception as error:
            yield Result(name, False, str(ContractError(rule, f"{type(error).__name__}: {error}")))
