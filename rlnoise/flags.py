"""Settings from the command line and from a saved `config.json`, each value checked as its flag
checks it: the flags of `train`, `compare` and `sweep` (with every registered agent's own), the
`Config` the parsed flags describe (with the env's `training_defaults`), the names of the
algorithm and agent (the env id is checked where the env is made, `rlnoise.environments`), and a
saved run's settings read back.

This module imports no torch, so `--help` and input checks stay fast.
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Callable
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Any

from rlnoise.config import ALGORITHMS, CONFIG_FILE, Check, Config, float_problem
from rlnoise.errors import UsageError, first_line
from rlnoise.files import parse_json
from rlnoise.names import flag_name


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


def checked_names(config: Config, agent: str) -> tuple[Config, Any]:
    """`config` with its run's name (`default_run_name`) and its agent's own settings (those given,
    else their defaults), and the agent's policy class, once the algorithm, the agent (`agent`:
    `config.agent` resolved, `rlnoise.names.resolve`) and its settings (each checked as its flag
    checks it, also those read from a saved config.json) are known to be registered; a UsageError,
    naming close matches, for the first that is not."""
    from rlnoise import agents

    check_algo(config.algo)
    if agent not in agents.AGENTS:
        matches = difflib.get_close_matches(config.agent, agents.AGENTS, n=2)
        hint = f"did you mean {' or '.join(matches)}? " if matches else ""
        raise UsageError(f"unknown agent {config.agent!r}; {hint}valid: {', '.join(agents.AGENTS)}")
    check_taken([config.agent], config.agent_settings)
    for setting in agents.SETTINGS.get(agent, ()):
        if setting.name in config.agent_settings:
            value = config.agent_settings[setting.name]
            check_saved(setting.name, value, type(setting.default).__name__, setting.check, "agent settings")
    own = agents.settings_of(agent, config.agent_settings)  # config.json records every one
    return replace(default_run_name(config), agent_settings=own), agents.load(agent)


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


def read_config(directory: Path, trusted: set[str] | None) -> Config:
    """The settings of the run saved in `directory`, each checked as a flag, or a UsageError.

    A `module:Name` env id or agent would import, so run, that module: it is refused unless it is
    in `trusted` (the names the user gave on the command line; None trusts every module).
    """
    if not directory.is_dir():
        raise UsageError(f"no run directory {directory}")
    path = directory / CONFIG_FILE
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
    return config


def resumable_config(directory: Path, trusted: set[str] | None) -> Config:
    """The settings of the run in `directory` (as `read_config`), or a UsageError if it is complete."""
    from rlnoise.manifest import read_manifest

    config = read_config(directory, trusted)
    if (read_manifest(directory) or {}).get("status") == "complete":
        raise UsageError(f"run {directory} is complete; nothing to resume")
    return config
