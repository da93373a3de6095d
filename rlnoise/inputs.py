"""Checks of a run's settings before any work starts: each input mistake is one `UsageError`.

The flags' own checks (`rlnoise.config`) see one value at a time; these see the whole run:
the agent and environment names, the device, the thread count, the run name, the environment
built once with its keyword arguments (and its mode labels), the agent's fit to its actions, and
the memory that the training batch and the evaluation need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rlnoise.config import Config, check_names
from rlnoise.errors import UsageError

FLOAT_BYTES = 4


def memory_limit() -> int:
    """The most memory, in bytes, a run may plan to use: half of this machine's."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def check_device(device: str) -> None:
    """Raise a UsageError unless `device` names a torch device this build can use."""
    if device == "cpu":  # the default needs no check, nor torch's import
        return
    import torch

    try:
        kind = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise UsageError(f"unknown --device {device!r}; use cpu, cuda or cuda:N") from None
    if kind.type == "cpu":
        return
    if kind.type != "cuda":
        raise UsageError(f"--device {device}: rlnoise runs on cpu or cuda")
    if not torch.cuda.is_available():
        raise UsageError(f"--device {device}: this torch build has no CUDA support or sees no GPU; use cpu")
    if kind.index is not None and kind.index >= torch.cuda.device_count():
        raise UsageError(f"--device {device}: only {torch.cuda.device_count()} GPU(s) visible")


def check_threads(threads: int) -> None:
    """Raise a UsageError if `threads` is more than this machine's cores."""
    cores = os.cpu_count() or 1
    if threads > cores:
        raise UsageError(f"--threads {threads} is more than this machine's {cores} cores")


def check_run_name(name: str | None) -> None:
    """Raise a UsageError unless `name` is a plain directory name, one that stays inside --logdir."""
    if name is not None and (name in ("", ".", "..") or Path(name).name != name):
        raise UsageError(f"--run-name {name!r} must be a plain directory name inside --logdir")


@dataclass(frozen=True)
class Sizes:
    """What a run's memory grows with: its observation, output, batch and evaluation sizes."""

    observation: int
    output: int
    batch: int
    episodes: int


def memory_needs(config: Config, sizes: Sizes) -> dict[str, int]:
    """Rough bytes for the weights (with gradients and Adam's moments), the batch and the evaluation."""
    hidden = config.hidden
    # The two hidden layers of the policy and of the baseline, and their output layers.
    weights = hidden * (2 * (sizes.observation + hidden) + sizes.output + 1)
    # Per sample: the rollout, the output's distribution and its gradient, and the activations and
    # their gradients in the hidden layers.
    sample = sizes.observation + 3 * sizes.output + 4 + 12 * hidden
    episode = sizes.observation + 2 * sizes.output + 4 * hidden
    batch = f"training batch (--num-envs x --num-steps = {sizes.batch})"
    evaluation = f"evaluation (--eval-contexts x --eval-samples = {sizes.episodes})"
    return {
        f"weights (--hidden {hidden})": FLOAT_BYTES * 4 * weights,
        batch: FLOAT_BYTES * sizes.batch * sample,
        evaluation: FLOAT_BYTES * sizes.episodes * episode,
    }


def check_memory(config: Config, sizes: Sizes) -> None:
    """Raise a UsageError, with the numbers, if the run would need more memory than the limit."""
    needs = memory_needs(config, sizes)
    limit = memory_limit()
    if sum(needs.values()) > limit:
        part = max(needs, key=needs.__getitem__)
        raise UsageError(
            f"this run needs about {sum(needs.values()) / 2**30:.1f} GiB, most of it for its {part}: "
            f"more than the limit of {limit / 2**30:.1f} GiB (half this machine's memory)"
        )


def check_run(config: Config, episodes: int | None = None) -> None:
    """Raise a UsageError for the first mistake in `config`, before any training or evaluation.

    `episodes` is the number an evaluation plays at once (default: the config's contexts x samples).
    """
    import numpy as np

    from rlnoise import agents
    from rlnoise.actions import ActionMappingError, make_adapter
    from rlnoise.contract import mode_labels
    from rlnoise.environments import make_env
    from rlnoise.names import resolve

    check_names(config)
    check_run_name(config.run_name)
    check_threads(config.threads)
    check_device(config.device)
    env = make_env(config.env_id, config.env_kwargs)
    if not mode_labels(env):
        raise UsageError(
            f"{config.env_id} declares no mode labels, so rlnoise cannot tell its good answers apart "
            "(docs/adding-an-environment.md)"
        )
    try:
        adapter = make_adapter(env, agents.load(resolve(config.agent, "agent")).output, config.bins)
    except ActionMappingError as error:
        raise UsageError(f"agent {config.agent!r} cannot act in {config.env_id}: {error}") from None
    num_steps = config.num_steps or (env.spec.max_episode_steps if env.spec else None) or 1
    sizes = Sizes(
        observation=int(np.prod(env.observation_space.shape)),
        output=adapter.action_size,
        batch=config.num_envs * num_steps,
        episodes=episodes or config.eval_contexts * config.eval_samples,
    )
    env.close()
    check_memory(config, sizes)
