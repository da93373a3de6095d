"""Finding environments through Gymnasium's registry, and making their vector versions."""

from __future__ import annotations

import difflib
import inspect
import json
import sys
from typing import Any

import gymnasium as gym
from gymnasium.vector import AutoresetMode, VectorEnv

from rlnoise.errors import UsageError, first_line
from rlnoise.names import resolve


def check_env_id(env_id: str) -> gym.envs.registration.EnvSpec:
    """The spec registered under `env_id` (`Name-vN` or `module:Name-vN`), or a UsageError."""
    name = resolve(env_id, "env id")
    if name in gym.registry:
        return gym.registry[name]
    matches = difflib.get_close_matches(name, candidate_ids(), n=3, cutoff=0.7)
    hint = f"; did you mean {', '.join(matches)}?" if matches else "; `rlnoise envs` lists them"
    if "rlnoise.envs" not in sys.modules:  # a library call that has not registered the built-in ones
        hint += " (`import rlnoise.envs` registers rlnoise's own environments)"
    raise UsageError(f"unknown env id {env_id!r}{hint}")


def candidate_ids() -> list[str]:
    """The registered ids worth suggesting: all but Gymnasium's own environments, which declare no
    good answers and so cannot be trained here."""
    return [
        spec.id for spec in gym.registry.values() if not _module(spec.entry_point).startswith("gymnasium.")
    ]


def _module(entry_point: Any) -> str:
    """The module an entry point (a `"module:Name"` string or a callable) comes from."""
    return entry_point if isinstance(entry_point, str) else getattr(entry_point, "__module__", "")


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
