"""The settings of a training run: one dataclass, each field a command-line flag.

This module imports no torch, so `--help` and input checks stay fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Check:
    """A condition a setting's value must meet, and how to say it."""

    valid: str
    test: Callable[[Any], bool]


POSITIVE = Check("> 0", lambda value: value > 0)
NON_NEGATIVE = Check(">= 0", lambda value: value >= 0)
UNIT_INTERVAL = Check("in [0, 1]", lambda value: 0 <= value <= 1)
AT_LEAST_TWO = Check(">= 2", lambda value: value >= 2)
PROBABILITY = Check("in [0, 1)", lambda value: 0 <= value < 1)
ALGORITHMS = ("reinforce", "ppo", "bc")
"""The names `--algo` takes, each a module of `rlnoise/algorithms/` (`rlnoise.train.TRAINERS`)."""
OPTIMIZERS = ("adam", "sgd")
OPTIMIZER = Check(f"one of {', '.join(OPTIMIZERS)}", lambda value: value in OPTIMIZERS)
INITS = ("default", "symmetric")
INIT = Check(f"one of {', '.join(INITS)}", lambda value: value in INITS)
SEED = Check("in 0..4294967295", lambda value: 0 <= value < 2**32)
FLOAT32_MAX = 3.4028234663852886e38
"""The largest float32, the type of every tensor: a number setting beyond it cannot enter one."""


def float_problem(value: float) -> str | None:
    """What is wrong with a number setting's `value` (not finite, beyond float32), or None."""
    if not math.isfinite(value):
        return "must be a finite number"
    if abs(value) > FLOAT32_MAX:
        return f"must be at most {FLOAT32_MAX:.4g} in size (float32, the tensors' type)"
    return None


@dataclass(frozen=True)
class Setting:
    """A setting an agent declares for itself (`rlnoise.agents.register`): a flag of `train`,
    `compare` and `sweep` (`--components` for `components`), of the type of its default."""

    name: str
    default: bool | int | float | str
    help: str
    check: Check | None = None


def flag(
    default: Any,
    help: str,
    check: Check | None = None,
    algo: tuple[str, ...] | str | None = None,
    option: bool = False,
) -> Any:
    """A `Config` field with its command-line help and the check its value must pass; `algo`
    names the only `--algo`s it applies to (None: every algorithm); `option` marks a setting that
    only the agents naming it in their `Policy.options` use."""
    algos = (algo,) if isinstance(algo, str) else algo
    if algos is not None:
        help = f"--algo {' or '.join(algos)}: {help}"
    return field(default=default, metadata={"help": help, "check": check, "algo": algos, "option": option})


@dataclass
class Config:
    """Every setting of a training run. Each field is a flag: `env_id` is `--env-id`.

    On the command line (`from_args`), a flag not given takes the environment's declared
    `training_defaults` (rlnoise/contract.py) if it has one, else the default below.
    """

    # Experiment: what to train, and where its results go.
    env_id: str = flag("TwoBales-v0", "environment id, `Name-vN` or `my_pkg.my_module:Name-vN`")
    agent: str = flag("categorical", "policy family: a registered agent, or `my_pkg.my_module:name`")
    seed: int = flag(1, "seed of the environments, the network and the sampling", SEED)
    run_name: str | None = flag(None, "run directory name under --logdir (default: ENV__AGENT__seedN__TIME)")
    logdir: str = flag("runs", "directory that holds the run directories")
    device: str = flag("cpu", "torch device, e.g. cpu or cuda")
    threads: int = flag(
        1,
        "torch CPU threads; 1 suits these small networks and runs sharing cores "
        "(another count can change the figures' last digits)",
        POSITIVE,
    )
    # Algorithm: change these to train longer, faster, or with more or less entropy.
    algo: str = flag(
        "reinforce",
        "training algorithm: reinforce (policy gradient with a learned baseline), ppo (clipped "
        "surrogate, GAE), or bc (behaviour cloning of the env's declared expert)",
    )
    total_timesteps: int = flag(614_400, "environment steps to train for", POSITIVE)
    num_envs: int = flag(1024, "environments stepped together in one batch", POSITIVE)
    num_steps: int | None = flag(
        None,
        "steps per environment per update (default: the env's max_episode_steps, else 1)",
        POSITIVE,
    )
    learning_rate: float = flag(3e-3, "the optimiser's learning rate, of policy and baseline", POSITIVE)
    optimizer: str = flag(
        "adam", "optimiser of policy and baseline: adam, or sgd (plain, or with --momentum)", OPTIMIZER
    )
    momentum: float = flag(0.0, "SGD's momentum, with --optimizer sgd (0: plain SGD)", PROBABILITY)
    grad_delay: int = flag(
        0,
        "apply each gradient this many optimiser steps late (a PPO minibatch is a step), as an "
        "asynchronous worker's stale gradient; the first steps apply nothing (0: at once)",
        NON_NEGATIVE,
    )
    async_workers: int = flag(
        1,
        "train with this many processes on one set of weights in shared memory, Hogwild-style: each "
        "collects with its own environments and applies its gradients without locks, on stale weights; "
        "together they take --total-timesteps, each update a whole --num-envs x --num-steps batch "
        "claimed from a shared counter (1: one process; more: not bit-reproducible)",
        POSITIVE,
    )
    ent_coef: float = flag(
        0.2, "entropy bonus coefficient (the policy's temperature)", NON_NEGATIVE, ("reinforce", "ppo")
    )
    norm_adv: bool = flag(
        False,
        "normalise each batch's advantages to mean 0, std 1 (then --ent-coef is relative to them)",
        algo=("reinforce", "ppo"),
    )
    max_grad_norm: float | None = flag(
        None, "clip the total gradient norm of policy and baseline to this (default: no clipping)", POSITIVE
    )
    gamma: float = flag(0.99, "discount factor of returns over time", UNIT_INTERVAL, ("reinforce", "ppo"))
    # PPO (CleanRL's names and meaning; the learned value function is the baseline above).
    num_minibatches: int = flag(4, "minibatches each rollout is split into", POSITIVE, "ppo")
    update_epochs: int = flag(4, "passes over each rollout", POSITIVE, "ppo")
    clip_coef: float = flag(
        0.2, "the surrogate's clipping coefficient (the ratio stays in 1 +- it)", POSITIVE, "ppo"
    )
    gae_lambda: float = flag(0.95, "lambda of the generalized advantage estimate", UNIT_INTERVAL, "ppo")
    clip_vloss: bool = flag(True, "clip the value function's change as the surrogate's", algo="ppo")
    vf_coef: float = flag(0.5, "weight of the value loss", NON_NEGATIVE, "ppo")
    anneal_lr: bool = flag(True, "decay the learning rate linearly to 0 over training", algo="ppo")
    target_kl: float | None = flag(
        None, "stop an update's epochs once the approximate KL exceeds this (default: never)", POSITIVE, "ppo"
    )
    # Agent: how the policy is built and how it explores.
    hidden: int = flag(64, "units in each hidden layer of the policy network", POSITIVE)
    layers: int = flag(2, "hidden layers of the policy network (0: a linear policy)", NON_NEGATIVE)
    sigma: float = flag(
        1.0, "regression agent: standard deviation of its exploration noise", POSITIVE, option=True
    )
    bins: int | None = flag(
        None,
        "categorical agent on a continuous action space: values per dimension "
        "(default: 41 on a line, 11 per dimension on a plane, about 128 points in all on more)",
        AT_LEAST_TWO,
    )
    # Noise inside the network and the optimiser (rlnoise/noise.py): each off by default.
    dropout: float = flag(
        0.0,
        "dropout probability on the policy network's hidden layers, on while acting and training, "
        "off in deterministic play",
        PROBABILITY,
    )
    param_noise: float = flag(
        0.0,
        "initial scale of parameter-space noise: each env copy acts with its own perturbed weights, "
        "drawn per episode, the scale adapted to --param-noise-target (0: off)",
        NON_NEGATIVE,
    )
    param_noise_target: float = flag(
        0.2,
        "action-space distance the parameter noise is adapted to cause: RMS distance of a point "
        "policy's point, KL divergence (nats) of a choice policy",
        POSITIVE,
    )
    noisy_net: bool = flag(
        False, "NoisyNet: factorised Gaussian noise of learned scale in the policy network's linear layers"
    )
    grad_noise: float = flag(
        0.0,
        "Gaussian noise added to the policy's gradients at update t, of variance "
        "GRAD_NOISE / (1 + t)^GRAD_NOISE_DECAY (Neelakantan et al.; 0: off)",
        NON_NEGATIVE,
    )
    grad_noise_decay: float = flag(0.55, "the exponent of the gradient noise's decay", NON_NEGATIVE)
    init: str = flag(
        "default",
        "policy network initialisation: default (random), or symmetric (every hidden unit of a layer "
        "starts identical)",
        INIT,
    )
    weight_noise: float = flag(
        0.0,
        "Gaussian noise on every weight of the policy network's linear layers at every forward pass "
        "(training and both evaluations), of standard deviation WEIGHT_NOISE times the layer's weights' "
        "own (0: off)",
        NON_NEGATIVE,
    )
    binarize: bool = flag(
        False,
        "BinaryConnect: the policy network's linear layers compute with sign(w) * mean|w| per layer, "
        "the real weights trained through a straight-through estimator (where |w| <= 1)",
    )
    stochastic_depth: float = flag(
        0.0,
        "stochastic depth (Huang et al.): the policy network's hidden-to-hidden layers become residual "
        "blocks h + f(h), each skipped with this probability on every forward pass while acting and "
        "training, scaled by 1 - P in deterministic play (0: off, the plain network; needs --layers 2+)",
        PROBABILITY,
    )
    bottleneck: int = flag(
        0,
        "variational information bottleneck: a Gaussian layer of this many units after the policy "
        "network's first hidden layer, sampled while acting and training, its mean in deterministic "
        "play; its KL to a standard normal prior, times --beta, is added to the loss (0: off)",
        NON_NEGATIVE,
    )
    beta: float = flag(
        1e-3,
        "weight of the bottleneck's KL (nats per sample) in the loss; needs --bottleneck",
        NON_NEGATIVE,
    )
    # Evaluation: how often, and on how many contexts and samples per context.
    eval_every: int = flag(100, "evaluate every this many updates (and at the end)", POSITIVE)
    eval_contexts: int = flag(32, "distinct start states (reset seeds 0..N-1) per evaluation", POSITIVE)
    eval_samples: int = flag(
        64,
        "episodes played from each start state per evaluation (enough to see each of ~10 good answers)",
        POSITIVE,
    )
    picture_every: int = flag(
        5,
        "draw where the policy acts (TensorBoard's pictures/policy, policy.png) at every this many "
        "evaluations, and always at the final one",
        POSITIVE,
    )
    env_kwargs: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "keyword arguments of the env, as a JSON object, e.g. '{\"width\": 0.2}'"},
    )
    agent_settings: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "the agent's own settings (`rlnoise.agents.register`), each its own flag"},
    )


def network_flags(config: Config) -> list[str]:
    """The flags set in `config` that change the policy's network, so need the standard `mlp`."""
    flags = {
        "--dropout": config.dropout > 0,
        "--param-noise": config.param_noise > 0,
        "--noisy-net": config.noisy_net,
        "--init symmetric": config.init == "symmetric",
        "--weight-noise": config.weight_noise > 0,
        "--binarize": config.binarize,
        "--stochastic-depth": config.stochastic_depth > 0,
        "--bottleneck": config.bottleneck > 0,
    }
    return [flag for flag, on in flags.items() if on]


CONFIG_FILE = "config.json"
"""The file of a run directory that holds its settings."""


def write_config(directory: Path, config: Config) -> None:
    """Write the run's settings, `config.json`, into `directory`, atomically: the one place it is written."""
    from rlnoise.files import write_json

    write_json(directory / CONFIG_FILE, asdict(config))
