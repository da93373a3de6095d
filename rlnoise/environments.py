"""Finding environments through Gymnasium's registry, and making their vector versions."""

from __future__ import annotations

import difflib
import importlib
import inspect
import json
import os
import sys
from typing import Any

import gymnasium as gym
from gymnasium.vector import AutoresetMode, VectorEnv

from rlnoise.errors import UsageError, first_line


def import_prefix(name: str, kind: str) -> str:
    """Import the module of `my_pkg.my_module:Name` (it registers Name) and return `Name`.

    The module is found on the usual path and in the current directory, as `python -m` finds
    it; processes started later (the workers of `compare`) inherit that path. A module that
    cannot be imported, or that raises on import, is a UsageError; a plain `Name` is returned as
    it is.
    """
    module, colon, short = name.rpartition(":")
    if colon and not (short and all(part.isidentifier() for part in module.split("."))):
        raise UsageError(f"{kind} {name!r} is not `Name` or `my_pkg.my_module:Name`")
    if module:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise UsageError(
                f"cannot import module {module!r} of {kind} {name!r}: {error} "
                "(run from the directory that holds it, or add that directory to PYTHONPATH)"
            ) from None
        except Exception as error:  # the user's module raised while it was imported
            raise UsageError(
                f"module {module!r} of {kind} {name!r} raised {type(error).__name__} on import: "
                f"{first_line(error)}"
            ) from None
    return short


def check_env_id(env_id: str) -> gym.envs.registration.EnvSpec:
    """The spec registered under `env_id` (`Name-vN` or `module:Name-vN`), or a UsageError."""
    name = import_prefix(env_id, "env id")
    if name in gym.registry:
        return gym.registry[name]
    matches = difflib.get_close_matches(name, gym.registry.keys(), n=3)
    hint = f"; did you mean {', '.join(matches)}?" if matches else "; `rlnoise envs` lists them"
    raise UsageError(f"unknown env id {env_id!r}{hint}")


WRAPPED = " was raised from the environment creator"
"""Where gymnasium's own words begin in an error it passes on from an environment's constructor."""


def env_arguments(env_id: str) -> list[str]:
    """The keyword arguments the environment's constructor takes, by name."""
    creator = gym.envs.registration.load_env_creator(check_env_id(env_id).entry_point)
    parameters = inspect.signature(creator).parameters.values()
    return [item.name for item in parameters if item.kind not in (item.VAR_POSITIONAL, item.VAR_KEYWORD)]


def make_env(env_id: str, env_kwargs: dict[str, Any]) -> gym.Env:
    """The environment, made and reset once; keyword arguments it rejects are a UsageError."""
    check_env_id(env_id)
    try:
        env = gym.make(env_id, disable_env_checker=True, **env_kwargs)
        env.reset(seed=0)
    except (TypeError, ValueError) as error:
        raise UsageError(
            f"{env_id} rejects --env-kwargs {json.dumps(env_kwargs)}: {first_line(error).split(WRAPPED)[0]} "
            f"(its arguments: {', '.join(env_arguments(env_id)) or 'none'})"
        ) from None
    return env


def make_vector_env(env_id: str, num_envs: int, env_kwargs: dict[str, Any] | None = None) -> VectorEnv:
    """`num_envs` copies of the environment, autoresetting in the same step as they end.

    The environment's native vector version (its `vector_entry_point`) is used when it has one,
    else gymnasium's `SyncVectorEnv`. Either way finished episodes' infos arrive in
    `infos["final_info"]`.
    """
    env_kwargs = env_kwargs or {}
    if check_env_id(env_id).vector_entry_point is None:
        return make_sync_vector_env(env_id, num_envs, env_kwargs)
    envs = gym.make_vec(env_id, num_envs, vectorization_mode="vector_entry_point", **env_kwargs)
    mode = envs.metadata.get("autoreset_mode")
    if mode != AutoresetMode.SAME_STEP:
        raise ValueError(f"{env_id}'s vector env must autoreset in SAME_STEP mode, not {mode}")
    return envs


def make_sync_vector_env(env_id: str, num_envs: int, env_kwargs: dict[str, Any] | None = None) -> VectorEnv:
    """Gymnasium's `SyncVectorEnv` of `num_envs` single environments, in `SAME_STEP` autoreset mode.

    The reference a native vector env is compared with, and the fallback for an env without one.
    """
    same_step = {"autoreset_mode": AutoresetMode.SAME_STEP}
    return gym.make_vec(
        env_id, num_envs, vectorization_mode="sync", vector_kwargs=same_step, **(env_kwargs or {})
    )
