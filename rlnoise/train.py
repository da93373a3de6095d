"""Training one agent on one environment with the algorithm `--algo` names.

`train` seeds everything, builds the environment, the vector env and the policy, makes the run
directory (or continues the one `resume` names), hands the run to the algorithm
(`rlnoise.algorithms`: REINFORCE by default) and, when the algorithm returns, evaluates and
saves what the run reached (`rlnoise.run`, which lists everything a run writes).

Stopping on Ctrl-C or SIGTERM is the command's policy, not this function's: a command passes
`stop` (see `rlnoise.interrupts`), and the run ends before the next update once `stop` names a
signal, evaluated and saved, with the step it reached recorded. Without `stop`, an interrupt
raised in the middle of training leaves the run as a crash leaves it: `resume` continues it from
its last checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import rlnoise.envs  # noqa: F401  registers the built-in environments, for a library call too
from rlnoise import agents, algorithms, noise
from rlnoise.actions import ActionAdapter, make_adapter
from rlnoise.agents.base import Policy
from rlnoise.config import Config, for_agent, read_config
from rlnoise.environments import make_vector_env
from rlnoise.errors import UsageError
from rlnoise.manifest import read_manifest
from rlnoise.names import resolve
from rlnoise.noise import NoiseSources
from rlnoise.rollout import Collector
from rlnoise.run import Run, new_run


def build_policy(config: Config, env: gym.Env) -> tuple[Policy, ActionAdapter]:
    """The policy of `config.agent` for `env`, and the adapter from its outputs to env actions."""
    policy_class = agents.load(resolve(config.agent, "agent"))
    adapter = make_adapter(env, policy_class.output, config.bins)
    observation_size = int(np.prod(env.observation_space.shape))
    options = {name: getattr(config, name) for name in policy_class.options}
    options.update(agents.settings_of(resolve(config.agent, "agent"), config.agent_settings))
    policy = policy_class(observation_size, adapter.action_size, hidden=config.hidden, **options)
    noise.apply(policy, config)  # the noise sources inside the network, if any (rlnoise.noise)
    return policy.to(config.device), adapter


def resume(
    directory: str | Path,
    progress: bool = True,
    trusted: set[str] | None = None,
    stop: Callable[[], str | None] = lambda: None,
) -> dict[str, Any]:
    """Continue the run in `directory` from its last checkpoint (from the start when it has none).

    `trusted` as in `rlnoise.config.read_config`: the `module:Name` names config.json may import.
    """
    directory = Path(directory)
    config = read_config(directory, trusted)
    if (read_manifest(directory) or {}).get("status") == "complete":
        raise UsageError(f"run {directory} is complete; nothing to resume")
    return train(config, progress, directory, stop)


def train(
    config: Config,
    progress: bool = True,
    directory: Path | None = None,
    stop: Callable[[], str | None] = lambda: None,
) -> dict[str, Any]:
    """Train one agent on one environment as `config` says; return the final evaluation.

    With `directory` (see `resume`), continue the run saved there instead of starting a new one.
    The run stops early, evaluated and saved, once `stop()` names a signal ("SIGINT", "SIGTERM").
    """
    # Seeding: the same seed gives the same run on the CPU.
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)

    # Environment and policy. A `module:Name` env id or agent is imported here when no command
    # has done it (a compare worker, a library call).
    resolve(config.env_id, "env id")
    config = for_agent(config, config.agent)  # config.json records every setting of the agent
    env = gym.make(config.env_id, **config.env_kwargs)
    envs = make_vector_env(config.env_id, config.num_envs, config.env_kwargs)
    num_steps = config.num_steps or (env.spec.max_episode_steps if env.spec else None) or 1
    policy, adapter = build_policy(config, env)
    sources = NoiseSources(policy, config)  # the noise sources' hooks; no-ops when off
    collector = Collector(envs, adapter, num_steps, policy.observation_size, config.device, sources)

    # Where the run's results go, and the algorithm; then what the run reached, evaluated and saved.
    if directory is None:
        config, directory = new_run(config)
    run = Run(config, directory, env, collector, policy, adapter, progress, stop)
    with run.recorded():  # the manifest says how the run ended, also when it fails
        algorithms.load(config.algo)(config, run)
        return run.finish()
