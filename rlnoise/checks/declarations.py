"""The contract's rules on the environment's interface: gymnasium's own API checker (`gymnasium-api`),
what it declares (`declarations`: mode labels, symmetries, action coordinates, observation names,
training defaults, its own figures, theories, theory lines, render modes) and what it renders (`render`).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from rlnoise.checks.base import SEEDS, unchecked_env
from rlnoise.config import Config
from rlnoise.contract import (
    FITS,
    ContractError,
    Line,
    Symmetry,
    Theory,
    action_coordinates,
    env_figures,
    lines,
    mode_labels,
    observation_names,
    symmetries,
    theories,
)
from rlnoise.errors import UsageError
from rlnoise.flags import env_defaults
from rlnoise.metrics import EVALUATIONS, OUTCOMES
from rlnoise.names import flag_name


def check_gymnasium_api(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `gymnasium-api`: gymnasium's own environment checker passes."""
    env = unchecked_env(env_id, env_kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env.unwrapped, skip_render_check=True)
    except Exception as error:
        raise ContractError("gymnasium-api", f"{type(error).__name__}: {error}") from error
    return "gymnasium.utils.env_checker.check_env passed"


def check_declarations(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `declarations`: the mode labels, symmetries, action coordinates, observation names,
    training defaults, theories, theory lines and render modes."""
    env = unchecked_env(env_id, env_kwargs)
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
    for line in lines(env):
        _check_line(env, line)
    own = _check_figures(env, labels)
    render_modes = env.metadata.get("render_modes", [])
    missing = [mode for mode in ("ansi", "rgb_array") if mode not in render_modes]
    if missing:
        raise ContractError("declarations", f'metadata["render_modes"] is {render_modes}, without {missing}')
    settings = ", ".join(f"{flag_name(name)} {value}" for name, value in defaults.items())
    names = ", ".join(symmetry.name for symmetry in symmetries(env)) or "none"
    predictions = "; ".join(f"{theory.agent} {theory.play}: {theory.statement}" for theory in theories(env))
    return (
        f"mode labels: {', '.join(labels)}; symmetries: {names}"
        + (f"; training defaults: {settings}" if settings else "")
        + (f"; own figures: {', '.join(own)}" if own else "")
        + (f"; theories: {predictions}" if predictions else "")
        + "".join(f"; line of {line.figure}: {line.statement}" for line in lines(env))
    )


def _check_figures(env: gym.Env, labels: tuple[str, ...]) -> dict[str, float]:
    """The env's own figures of episodes that ended in each label and in none (`figures(modes)`);
    raise ContractError unless they are named numbers."""
    try:
        return env_figures(env, np.array([*labels, None], dtype=object))
    except (TypeError, ValueError, AttributeError) as error:
        raise ContractError("declarations", f"figures(modes) gave {type(error).__name__}: {error}") from error


def _check_theory(env: gym.Env, theory: Theory) -> None:
    """Raise ContractError unless `theory` is a Theory that predicts outcome labels for start states."""
    if not isinstance(theory, Theory):
        raise ContractError("declarations", f"theories holds {theory!r}, not a Theory")
    if theory.play not in EVALUATIONS or theory.outcome not in OUTCOMES:
        problem = f"theory of {theory.agent!r} has play {theory.play!r} and outcome {theory.outcome!r}"
        raise ContractError("declarations", problem)
    settings = asdict(Config(env_id=env.spec.id if env.spec else "", agent=theory.agent))
    for seed in SEEDS:
        observation, _ = env.reset(seed=seed)
        predicted = theory.predict(env.unwrapped, observation, settings)
        if predicted not in OUTCOMES:
            raise ContractError(
                "declarations", f"theory of {theory.agent!r} predicts {predicted!r}, not one of {OUTCOMES}"
            )


def _check_line(env: gym.Env, line: Line) -> None:
    """Raise ContractError unless `line` is a Line whose play and fit are known and whose
    prediction and axis are numbers (or no prediction) at the default settings."""
    if not isinstance(line, Line):
        raise ContractError("declarations", f"lines holds {line!r}, not a Line")
    if line.play not in (*EVALUATIONS, None) or line.fit not in (*FITS, None):
        problem = f"line of {line.figure!r} has play {line.play!r} and fit {line.fit!r}"
        raise ContractError(
            "declarations", f"{problem}; valid plays {EVALUATIONS} or None, fits {FITS} or None"
        )
    settings = {**asdict(Config(env_id=env.spec.id if env.spec else "")), "parameters": 1000}
    values = {
        "prediction": None if line.predict is None else line.predict(env.unwrapped, settings),
        "axis": None if line.against is None else line.against[1](env.unwrapped, settings),
    }
    for name, value in values.items():
        if value is not None and not isinstance(value, int | float):
            raise ContractError("declarations", f"line of {line.figure!r} gives {value!r} as its {name}")


def check_render(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """Rule `render`: `"ansi"` renders a str, `"rgb_array"` an HxWx3 uint8 array, before and after a step."""
    shapes = []
    for render_mode in ("ansi", "rgb_array"):
        env = unchecked_env(env_id, env_kwargs, render_mode=render_mode)
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
