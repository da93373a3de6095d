"""Training one agent on one environment with the algorithm `--algo` names.

`train` plans the run (`rlnoise.plan`, unless the command has), seeds everything, builds the
vector env, the policy and its rollout storage, makes the run directory (or continues the one
`resume` names), hands the run to the algorithm (`TRAINERS`: REINFORCE by default) and, when the
algorithm returns, evaluates and saves what the run reached (`rlnoise.run`).

The built-in environments are registered by the command layer (`import rlnoise.envs`); a library
call imports it first, as `tests/conftest.py` does.

Stopping on Ctrl-C or SIGTERM is the command's policy, not this function's: a command passes
`stop` (see `rlnoise.signals`), and the run ends before the next update once `stop` names a
signal, evaluated and saved, with the step it reached recorded. Without `stop`, an interrupt
raised in the middle of training leaves the run as a crash leaves it: `resume` continues it from
its last checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlnoise.algorithms import bc, ppo, reinforce
from rlnoise.config import Config
from rlnoise.environments import make_vector_env
from rlnoise.flags import resumable_config
from rlnoise.hogwild import HogwildRun
from rlnoise.noise import NoiseSources
from rlnoise.plan import Plan, build_policy, make_plan
from rlnoise.rollout import Collector
from rlnoise.run import Run
from rlnoise.runfiles import new_run

TRAINERS: dict[str, Callable[[Plan, Run], None]] = {
    "reinforce": reinforce.train,
    "ppo": ppo.train,
    "bc": bc.train,
}
"""Each `--algo` name's `train(plan, run)` (the names: `rlnoise.config.ALGORITHMS`)."""


def resume(
    directory: str | Path,
    progress: bool = True,
    trusted: set[str] | None = None,
    stop: Callable[[], str | None] = lambda: None,
) -> dict[str, Any]:
    """Continue the run in `directory` from its last checkpoint (from the start when it has none).

    `trusted` as in `rlnoise.flags.read_config`: the `module:Name` names config.json may import.
    """
    directory = Path(directory)
    return train(resumable_config(directory, trusted), progress, directory, stop)


def train(
    settings: Config | Plan,
    progress: bool = True,
    directory: Path | None = None,
    stop: Callable[[], str | None] = lambda: None,
) -> dict[str, Any]:
    """Train one agent on one environment as `settings` say; return the final evaluation.

    `settings` is the run's plan, or its config, planned (and so checked) here. With `directory`
    (see `resume`), continue the run saved there instead of starting a new one. The run stops
    early, evaluated and saved, once `stop()` names a signal ("SIGINT", "SIGTERM").
    """
    plan = settings if isinstance(settings, Plan) else make_plan(settings)
    config = plan.config

    # Seeding: the same seed gives the same run on the CPU.
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)

    # The vector env, the policy, the noise sources' hooks (no-ops when off) and the rollout storage.
    envs = make_vector_env(config.env_id, config.num_envs, config.env_kwargs)
    policy = build_policy(plan)
    sources = NoiseSources(policy, config)
    collector = Collector(envs, plan.adapter, plan.num_steps, plan.sizes.observation, config.device, sources)

    # Where the run's results go, and the algorithm; then what the run reached, evaluated and saved.
    if directory is None:
        config, directory = new_run(config)
        plan = replace(plan, config=config)
    if config.async_workers == 1:
        run = Run(plan, directory, policy, collector, progress, stop)
    else:  # W processes on shared weights, this one writes the run (rlnoise.hogwild)
        run = HogwildRun(plan, directory, policy, collector, progress, stop, TRAINERS[config.algo])
    with run.recorded():  # the manifest says how the run ended, also when it fails
        TRAINERS[config.algo](plan, run)
        return run.finish()
