"""A run planned once, from its settings, with every input mistake found first (one `UsageError`).

The flags' own checks (`rlnoise.config`) see one value at a time; `make_plan` sees the whole run,
in three steps. It checks the settings on their own (`check_machine`: the run name, the thread
count, the device, the optimiser's settings, the layers, the workers); it resolves what they name,
each once (the environment, made with its keyword arguments; the agent's name, its registration,
its own settings and the run's name, `rlnoise.flags.checked_names`; the action adapter, a grid of
choices counted but not built); then it checks the run against what was resolved (the settings
given, the batch, the memory that the training batch and the evaluation need, the env's
declarations). What it resolves (the environment, the policy class, the action adapter,
`num_steps`, the sizes and the memory estimate) is the `Plan` that `rlnoise train`, `rlnoise
evaluate` and every grid cell use: nothing of it is computed twice. This module imports no torch;
`make_plan` does, through the agent's module.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from rlnoise.config import Config, network_flags
from rlnoise.errors import UsageError
from rlnoise.flags import checked_names
from rlnoise.names import flag_name, resolve

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


def check_layers(config: Config) -> None:
    """Raise a UsageError for a noise source that acts on hidden units (`--dropout`, `--init
    symmetric`) on a linear policy (`--layers 0`), which has none, or stochastic depth on a policy
    without a hidden-to-hidden layer (`--layers` below 2): it would do nothing; the same for
    `--bottleneck`, which goes after the first hidden layer, on a linear policy."""
    used = {"--dropout": config.dropout > 0, "--init symmetric": config.init == "symmetric"}
    if config.layers == 0 and any(used.values()):
        flag = next(flag for flag, on in used.items() if on)
        raise UsageError(f"{flag} acts on the policy's hidden layers, and --layers 0 has none")
    if config.bottleneck > 0 and config.layers == 0:
        raise UsageError("--bottleneck needs a hidden layer, and --layers 0 has none")
    if config.stochastic_depth > 0 and config.layers < 2:
        raise UsageError(
            f"--stochastic-depth skips hidden-to-hidden blocks, and --layers {config.layers} has none "
            "(it needs --layers 2 or more)"
        )


def check_machine(config: Config) -> None:
    """Raise a UsageError for a setting that cannot work on its own: the run name, the threads,
    the device, momentum without SGD, a hidden layers' noise source on a linear policy, the
    asynchronous workers."""
    check_run_name(config.run_name)
    check_threads(config.threads)
    check_device(config.device)
    check_optimizer(config)
    check_layers(config)
    check_workers(config)


def check_workers(config: Config) -> None:
    """Raise a UsageError for `--async-workers` above this machine's cores, with `--grad-delay` (two
    sources of staleness: one at a time) or off the CPU (the workers share CPU memory)."""
    workers = config.async_workers
    cores = os.cpu_count() or 1
    if workers > cores:
        raise UsageError(f"--async-workers {workers} is more than this machine's {cores} cores")
    if workers > 1 and config.grad_delay:
        raise UsageError(
            f"--async-workers {workers} and --grad-delay {config.grad_delay} are two sources of staleness, "
            "a real and a simulated one: give one"
        )
    if workers > 1 and config.device != "cpu":
        raise UsageError(f"--async-workers shares the weights in CPU memory; --device {config.device} cannot")


def check_declarations(config: Config, env: Any) -> None:
    """Raise a UsageError unless `env` declares what the run needs: mode labels, and an expert for
    `--algo bc`."""
    from rlnoise.contract import expert, mode_labels

    if not mode_labels(env):
        raise UsageError(
            f"{config.env_id} declares no mode labels, so rlnoise cannot tell its good answers apart "
            "(docs/adding-an-environment.md)"
        )
    if config.algo == "bc" and expert(env) is None:
        raise UsageError(
            f"--algo bc clones the env's expert, and {config.env_id} declares none "
            "(an `expert` method, docs/adding-an-environment.md)"
        )


def check_run_name(name: str | None) -> None:
    """Raise a UsageError unless `name` is a plain directory name, one that stays inside --logdir."""
    if name is not None and (name in ("", ".", "..") or Path(name).name != name):
        raise UsageError(f"--run-name {name!r} must be a plain directory name inside --logdir")


def check_optimizer(config: Config) -> None:
    """Raise a UsageError if `--momentum` is set for an optimiser that has none (Adam's is its betas)."""
    if config.momentum and config.optimizer != "sgd":
        raise UsageError(
            f"--momentum {config.momentum:g} is SGD's, and --optimizer {config.optimizer} has none: "
            "add --optimizer sgd or drop --momentum"
        )


@dataclass(frozen=True)
class Sizes:
    """What a run's memory grows with: its observation, output, batch and evaluation sizes."""

    observation: int
    output: int
    batch: int
    episodes: int


def memory_needs(config: Config, sizes: Sizes) -> dict[str, int]:
    """Rough bytes for the weights (with gradients and Adam's moments), the gradients a
    `--grad-delay` holds back, the batch (one per asynchronous worker) and the evaluation."""
    hidden, layers = config.hidden, config.layers
    # The policy's `--layers` hidden layers and the baseline's two (`rlnoise.gradients.with_baseline`),
    # and their output layers.
    policy = sizes.observation * sizes.output
    if layers:
        policy = hidden * (sizes.observation + (layers - 1) * hidden + sizes.output)
    weights = policy + hidden * (sizes.observation + hidden + 1)
    # Per sample: the rollout, the output's distribution and its gradient, and the activations and
    # their gradients in the hidden layers.
    sample = sizes.observation + 3 * sizes.output + 4 + 3 * hidden * (layers + 2)
    episode = sizes.observation + 2 * sizes.output + 2 * hidden * layers
    batch = f"training batch (--num-envs x --num-steps = {sizes.batch})"
    if config.async_workers > 1:  # each worker collects and computes its own
        workers = config.async_workers
        batch = f"training batches (--num-envs x --num-steps = {sizes.batch}, in each of {workers} workers)"
    evaluation = f"evaluation (--eval-contexts x --eval-samples = {sizes.episodes})"
    return {
        f"weights (--hidden {hidden}, --layers {layers})": FLOAT_BYTES * 4 * weights,
        f"gradients held back (--grad-delay {config.grad_delay})": FLOAT_BYTES * config.grad_delay * weights,
        batch: FLOAT_BYTES * sizes.batch * sample * config.async_workers,
        evaluation: FLOAT_BYTES * sizes.episodes * episode,
    }


def check_used(config: Config, given: set[str], agent_names: list[str], env: Any) -> None:
    """Raise a UsageError for a setting `given` (or varied) that none of the agents `agent_names`
    uses on `env`, naming those that do: an agent's option such as `--sigma` (the agents whose
    `Policy.options` name it), `--bins` (a choice policy on a continuous action space), and `--beta`
    without `--bottleneck`."""
    from gymnasium import spaces

    from rlnoise import agents

    def takers(uses: Callable[[Any], bool]) -> str:
        """The registered agents whose policy class `uses` the setting."""
        return ", ".join(name for name in agents.AGENTS if uses(agents.load(name)))

    classes = [agents.load(resolve(name, "agent")) for name in agent_names]
    named = ", ".join(agent_names)
    for name in (item.name for item in fields(Config) if item.metadata.get("option")):
        if name in given and not any(name in policy.options for policy in classes):
            found = takers(lambda policy, name=name: name in policy.options)
            raise UsageError(f"{flag_name(name)} is a setting of agent {found}, not of {named}")
    if "beta" in given and config.bottleneck == 0:
        raise UsageError("--beta weighs the bottleneck's KL, and it needs --bottleneck")
    if "bins" not in given:
        return
    if not isinstance(env.action_space, spaces.Box):
        raise UsageError(
            f"--bins splits a continuous action space, and {config.env_id}'s actions are discrete"
        )
    if not any(policy.output == "choice" for policy in classes):
        found = takers(lambda policy: policy.output == "choice")
        raise UsageError(f"--bins sets the choices of agent {found}; agent {named} acts with points")


def check_norm_adv(config: Config, batch: int) -> None:
    """Raise a UsageError if `--norm-adv` would normalise advantages over fewer than two values, whose
    standard deviation is not a number: a batch (--num-envs x --num-steps) of 1, or a PPO minibatch
    of 1 (the batch split as `rlnoise.algorithms.ppo` splits it, the last one the remainder)."""
    if not config.norm_adv:
        return
    size = max(1, batch // config.num_minibatches) if config.algo == "ppo" else batch
    smallest = min(size, batch % size or size)
    if smallest < 2:
        part = "minibatch (--num-envs x --num-steps / --num-minibatches)" if config.algo == "ppo" else "batch"
        raise UsageError(
            f"--norm-adv needs at least 2 advantages per {part}, whose standard deviation it divides by; "
            f"this run has {smallest}: raise --num-envs or drop --norm-adv"
        )


def check_memory(config: Config, sizes: Sizes) -> dict[str, int]:
    """The bytes the run needs, part by part; a UsageError, with the numbers, if they are more than
    the limit."""
    needs = memory_needs(config, sizes)
    limit = memory_limit()
    if sum(needs.values()) > limit:
        part = max(needs, key=needs.__getitem__)
        gib = sum(needs.values()) / 2**30
        size = f"{gib:,.1f}" if gib < 1e6 else f"{gib:.1e}"
        raise UsageError(
            f"this run needs about {size} GiB, most of it for its {part}: "
            f"more than the limit of {limit / 2**30:.1f} GiB (half this machine's memory)"
        )
    return needs


@dataclass(frozen=True)
class Plan:
    """A run planned once from its settings: what training, evaluation and every grid cell use."""

    config: Config
    """The settings, with the agent's own ones given or defaulted (`rlnoise.flags.checked_names`)."""
    env: Any
    """The environment, made once: its declarations, evaluation's start states, the pictures."""
    policy_class: Any
    """The agent's `rlnoise.agents.base.Policy` class."""
    adapter: Any
    """The `rlnoise.actions.ActionAdapter` from the policy's outputs to the env's actions."""
    num_steps: int
    """Steps per environment per update: `--num-steps`, else the env's episode limit, else 1."""
    sizes: Sizes
    memory: dict[str, int]
    """The bytes the run needs, part by part (`memory_needs`)."""

    @property
    def batch_size(self) -> int:
        """The steps one update collects: `--num-envs x num_steps`."""
        return self.config.num_envs * self.num_steps


def make_plan(
    config: Config, env: Any = None, episodes: int | None = None, given: set[str] = frozenset()
) -> Plan:
    """The plan of the run `config` describes, or a UsageError for its first mistake, before any
    training or evaluation.

    The settings are checked on their own first; then what they name is resolved, each once: the
    environment (made), the agent (its policy class, its own settings; and the run's name), and the
    connection of the policy's outputs to the env's actions (its size); then the run is checked
    against what was resolved: the settings given, the batch, the memory, the env's declarations.

    `env` is the environment to plan on (default: made from the config); `episodes` the number an
    evaluation plays at once (default: the config's contexts x samples); `given` the settings the
    command line gave, each of which the agent must use (`check_used`).
    """
    import numpy as np

    from rlnoise.actions import ActionMappingError, make_adapter
    from rlnoise.environments import make_env

    check_machine(config)
    env = env or make_env(config.env_id, config.env_kwargs)
    agent = resolve(config.agent, "agent")  # a `module:Name` agent's module imported: it registers Name
    config, policy_class = checked_names(config, agent)
    try:
        adapter = make_adapter(env, policy_class.output, config.bins)  # a grid of choices counted, not built
    except ActionMappingError as error:
        raise UsageError(f"agent {config.agent!r} cannot act in {config.env_id}: {error}") from None
    num_steps = config.num_steps or (env.spec.max_episode_steps if env.spec else None) or 1
    sizes = Sizes(
        observation=int(np.prod(env.observation_space.shape)),
        output=adapter.action_size,
        batch=config.num_envs * num_steps,
        episodes=episodes or config.eval_contexts * config.eval_samples,
    )
    check_used(config, given, [config.agent], env)
    check_norm_adv(config, sizes.batch)
    memory = check_memory(config, sizes)
    check_declarations(config, env)
    plan = Plan(config, env, policy_class, adapter, num_steps, sizes, memory)
    if network_flags(config):  # building the policy says whether its network can take the noise
        import torch

        with torch.random.fork_rng():  # and draws nothing from the generator training seeds
            build_policy(plan)
    return plan


def build_policy(plan: Plan) -> Any:
    """The plan's policy, its network's noise sources applied (`rlnoise.noise`), on the device."""
    from rlnoise import noise

    config = plan.config
    options = {name: getattr(config, name) for name in plan.policy_class.options}
    options.update(config.agent_settings)
    sizes = plan.sizes.observation, plan.adapter.action_size
    policy = plan.policy_class(*sizes, hidden=config.hidden, layers=config.layers, **options)
    noise.apply(policy, config)  # the noise sources inside the network, if any
    return policy.to(config.device)
