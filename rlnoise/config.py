"""The settings of a training run: one dataclass, each field a command-line flag.

This module imports no torch, so `--help` and input checks stay fast.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rlnoise.errors import UsageError, first_line
from rlnoise.files import parse_json
from rlnoise.names import flag_name


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
    learning_rate: float = flag(3e-3, "Adam learning rate of policy and baseline", POSITIVE)
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
    hidden: int = flag(64, "units in each of the two hidden layers", POSITIVE)
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
    }
    return [flag for flag, on in flags.items() if on]


def flag_type(kind: Any, check: Check | None) -> Callable[[str], Any]:
    """An argparse `type` that converts a flag's text and applies its check."""

    def parse(text: str) -> Any:
        try:
            value = parse_json(text) if kind is dict else kind(text)
        except ValueError:
            valid = "a JSON object" if kind is dict else f"a number of type {kind.__name__}"
            raise argparse.ArgumentTypeError(f"expected {valid}, got {text!r}") from None
        if kind is dict and not isinstance(value, dict):
            raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
        if kind is float and float_problem(value):
            raise argparse.ArgumentTypeError(f"{float_problem(value)}, got {text}")
        if check is not None and not check.test(value):
            raise argparse.ArgumentTypeError(f"must be {check.valid}, got {text}")
        return value

    return parse


TYPES = {
    "str": str,
    "int": int,
    "float": float,
    "str | None": str,
    "int | None": int,
    "float | None": float,
    "dict[str, Any]": dict,
}


def _noting_given(base: type[argparse.Action]) -> type[argparse.Action]:
    """The argparse action `base`, which also notes in `namespace.given` that the command line gave
    the flag (so that `from_args` lets it win over the env's training_defaults)."""

    class Given(base):  # type: ignore[valid-type, misc]
        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: Any,
            option_string: str | None = None,
        ) -> None:
            super().__call__(parser, namespace, values, option_string)
            namespace.given = {*getattr(namespace, "given", ()), self.dest}

    return Given


_Given = _noting_given(argparse._StoreAction)  # a value: `--seed 3`
_GivenSwitch = _noting_given(
    argparse.BooleanOptionalAction
)  # an on/off switch: `--norm-adv` / `--no-norm-adv`


def add_flags(parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
    """Add one flag per `Config` field (`--env-id` for `env_id`), with its help and check."""
    for item in fields(Config):
        if item.name in (*skip, "agent_settings"):
            continue
        default = item.default if item.default is not MISSING else item.default_factory()
        name, text = flag_name(item.name), item.metadata["help"]
        if item.type == "bool":
            shown = "on" if default else "off"
            parser.add_argument(name, action=_GivenSwitch, default=default, help=f"{text} (default: {shown})")
            continue
        parser.add_argument(
            name,
            action=_Given,
            type=flag_type(TYPES[item.type], item.metadata.get("check")),
            default=default,
            metavar="JSON" if TYPES[item.type] is dict else item.name.upper(),
            help=text if "(default:" in text else f"{text} (default: {json.dumps(default)})",
        )
    if "agent_settings" not in skip:
        add_agent_flags(parser)
    parser.epilog = parser.epilog or (
        "An environment may declare its own defaults for some of these settings (its training_defaults, "
        "listed by `rlnoise check-env ENV_ID`); a flag given on the command line always wins."
    )


def add_agent_flags(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting that a registered agent declares (`--components`), saying which take it.

    A `module:name` agent's settings are among them once `import_agents` has imported its module.
    """
    from rlnoise import agents

    for name, (setting, takers) in agents.declared().items():
        text = f"{', '.join(takers)} agent{'s' if len(takers) > 1 else ''}: {setting.help}"
        if isinstance(setting.default, bool):
            shown = "on" if setting.default else "off"
            parser.add_argument(flag_name(name), action=_GivenSwitch, help=f"{text} (default: {shown})")
            continue
        parser.add_argument(
            flag_name(name),
            action=_Given,
            type=flag_type(type(setting.default), setting.check),
            metavar=name.upper(),
            help=f"{text} (default: {json.dumps(setting.default)})",
        )


def import_agents(argv: list[str]) -> None:
    """Import the module of every `my_module:name` agent that `--agent` or `--agents` names in `argv`,
    so that the agent's own settings are flags when the command line is parsed."""
    from rlnoise.names import resolve

    for index, word in enumerate(argv):
        option, equals, value = word.partition("=")
        if option not in ("--agent", "--agents"):
            continue
        if not equals:
            value = argv[index + 1] if index + 1 < len(argv) else ""
        for name in value.split(","):
            if ":" in name:
                resolve(name.strip(), "agent")


def default_run_name(config: Config) -> Config:
    """`config` with its run name: the one given, else `ENV__AGENT__seedN__TIME-TAG`, made now (the
    random tag keeps runs started in the same second apart)."""
    from rlnoise.files import unique_suffix
    from rlnoise.names import run_name

    if config.run_name:
        return config
    return replace(config, run_name=run_name(config.agent, config.seed, config.env_id, unique_suffix()))


def env_defaults(env_id: str, env_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The settings the environment declares as its `training_defaults`, checked like flags."""
    from rlnoise.contract import training_defaults
    from rlnoise.environments import make_env

    declared = training_defaults(make_env(env_id, env_kwargs))
    settings = {item.name: item for item in fields(Config)}
    for name, value in declared.items():
        if name not in settings or name in ("env_id", "env_kwargs"):
            raise UsageError(
                f"{env_id} declares training_defaults for {name!r}, which is not a training setting"
            )
        check = settings[name].metadata.get("check")
        if check is not None and not check.test(value):
            raise UsageError(
                f"{env_id} declares training_defaults {name}={value!r}, which must be {check.valid}"
            )
    return declared


def from_args(args: argparse.Namespace, **overrides: Any) -> Config:
    """The `Config` that parsed flags describe: the flags given, else the env's `training_defaults`."""
    from rlnoise import agents

    values = {item.name: getattr(args, item.name) for item in fields(Config) if hasattr(args, item.name)}
    given = {*getattr(args, "given", ()), *overrides}
    values["agent_settings"] = {name: getattr(args, name) for name in agents.declared() if name in given}
    values.update(overrides)
    env_id = values.get("env_id", Config.env_id)
    declared = env_defaults(env_id, values.get("env_kwargs", {}))
    config = Config(**{**values, **{name: value for name, value in declared.items() if name not in given}})
    check_algo_flags([config.algo], given)
    return config


def check_algo(algo: str) -> None:
    """Raise a UsageError, naming close matches, unless `algo` is a training algorithm."""
    from rlnoise.algorithms import ALGORITHMS

    if algo not in ALGORITHMS:
        matches = difflib.get_close_matches(algo, ALGORITHMS, n=2, cutoff=0.4)
        hint = f"did you mean {' or '.join(matches)}? " if matches else ""
        raise UsageError(f"unknown --algo {algo!r}; {hint}valid: {', '.join(ALGORITHMS)}")


def check_algo_flags(algos: list[str], given: set[str]) -> None:
    """Raise a UsageError for a setting `given` (or varied) that applies to none of the algorithms `algos`."""
    for algo in algos:
        check_algo(algo)
    for item in fields(Config):
        takers = item.metadata.get("algo")
        if item.name in given and takers is not None and not set(takers) & set(algos):
            used, chosen = " and ".join(takers), ", ".join(algos)
            raise UsageError(f"{flag_name(item.name)} applies to --algo {used}, not --algo {chosen}")


def check_names(config: Config) -> None:
    """Raise a UsageError unless the algorithm, the env id and the agent name are registered."""
    from rlnoise import agents
    from rlnoise.environments import check_env_id
    from rlnoise.names import resolve

    check_algo(config.algo)
    check_env_id(config.env_id)
    if resolve(config.agent, "agent") not in agents.AGENTS:
        matches = difflib.get_close_matches(config.agent, agents.AGENTS, n=2)
        hint = f"did you mean {' or '.join(matches)}? " if matches else ""
        raise UsageError(f"unknown agent {config.agent!r}; {hint}valid: {', '.join(agents.AGENTS)}")
    check_taken([config.agent], config.agent_settings)


def check_taken(names: list[str], values: dict[str, Any]) -> None:
    """Raise a UsageError for a setting in `values` that none of the agents `names` takes, naming
    the agents that do."""
    from rlnoise import agents
    from rlnoise.names import resolve

    takers = {name: found for name, (_, found) in agents.declared().items()}
    for name in values:
        if not any(name in takers and resolve(agent, "agent") in takers[name] for agent in names):
            found = ", ".join(takers.get(name, ())) or "none"
            raise UsageError(f"{flag_name(name)} is a setting of agent {found}, not of {', '.join(names)}")


def for_agent(config: Config, agent: str) -> Config:
    """`config` for a run of `agent`: its own settings from `config.agent_settings`, else their defaults."""
    from rlnoise import agents
    from rlnoise.names import resolve

    own = agents.settings_of(resolve(agent, "agent"), config.agent_settings)
    return replace(config, agent=agent, agent_settings=own)


JSON_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "dict[str, Any]": (dict,)}
"""The JSON values each `Config` field type accepts (a float field also takes an integer)."""


def from_dict(values: dict[str, Any], source: str) -> Config:
    """The `Config` a saved `config.json` describes, each value checked as its flag checks it."""
    settings = {item.name: item for item in fields(Config)}
    for name, value in values.items():
        if name not in settings:
            raise UsageError(f"corrupted {source}: unknown setting {name!r}")
        check_saved(name, value, settings[name].type, settings[name].metadata.get("check"), source)
    return Config(**values)


def check_saved(name: str, value: Any, kind: str, check: Check | None, source: str) -> None:
    """Raise a UsageError unless a saved setting's `value` is of type `kind` and passes `check`."""
    kind, _, optional = kind.partition(" | ")
    if value is None and optional == "None":
        return
    fits = isinstance(value, JSON_TYPES[kind]) and (kind == "bool") == isinstance(value, bool)
    if not fits:
        raise UsageError(f"{source}: {name} must be of type {kind}, got {value!r}")
    if kind == "float" and float_problem(value):
        raise UsageError(f"{source}: {name} {float_problem(value)}, got {value!r}")
    if check is not None and not check.test(value):
        raise UsageError(f"{source}: {name} must be {check.valid}, got {value!r}")


def check_agent_settings(config: Config, source: str) -> Config:
    """`config` with its agent's own settings checked as their flags check them (a saved run's
    missing ones take their defaults), or a UsageError."""
    from rlnoise import agents
    from rlnoise.names import resolve

    agent = resolve(config.agent, "agent")
    if agent not in agents.SETTINGS:  # the run's checks say it is unknown
        return config
    check_taken([config.agent], config.agent_settings)
    declared = {setting.name: setting for setting in agents.SETTINGS[agent]}
    for name, value in config.agent_settings.items():
        setting = declared[name]
        check_saved(name, value, type(setting.default).__name__, setting.check, source)
    return for_agent(config, config.agent)


def read_config(directory: Path, trusted: set[str] | None) -> Config:
    """The settings of the run saved in `directory`, each checked as a flag, or a UsageError.

    A `module:Name` env id or agent would import, so run, that module: it is refused unless it is
    in `trusted` (the names the user gave on the command line; None trusts every module).
    """
    if not directory.is_dir():
        raise UsageError(f"no run directory {directory}")
    path = directory / "config.json"
    if not path.is_file():
        raise UsageError(f"{directory} is not a run directory: it has no config.json")
    try:
        values = parse_json(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(f"corrupted {path}: {first_line(error)}") from None
    if not isinstance(values, dict):
        raise UsageError(f"corrupted {path}: not a JSON object")
    config = from_dict(values, str(path))
    for name, value in (("env_id", config.env_id), ("agent", config.agent)):
        if ":" in value and trusted is not None and value not in trusted:
            raise UsageError(
                f"{path} names {name} {value!r}, whose module would run on loading; "
                f"to allow it, pass --trust-modules or {flag_name(name)} {value}"
            )
    return check_agent_settings(config, str(path))


def resumable_config(directory: Path, trusted: set[str] | None) -> Config:
    """The settings of the run in `directory` (as `read_config`), or a UsageError if it is complete."""
    from rlnoise.manifest import read_manifest

    config = read_config(directory, trusted)
    if (read_manifest(directory) or {}).get("status") == "complete":
        raise UsageError(f"run {directory} is complete; nothing to resume")
    return config
