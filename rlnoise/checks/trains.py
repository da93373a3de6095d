"""The contract's rule that every agent trains on the environment (`trains`): the only check that
imports torch.
"""

from __future__ import annotations

import tempfile
from typing import Any

import numpy as np

from rlnoise.config import Config
from rlnoise.contract import ContractError
from rlnoise.environments import check_env_id
from rlnoise.metrics import EVALUATIONS


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
