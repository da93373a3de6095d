"""Sweeps: a grid of training runs (agents x seeds x varied settings), trained in parallel.

A `Grid` is a base `Config`, the agents, the seeds and any number of `Axis`: a training setting
(`sigma`, `ent_coef`, ...) or an env keyword argument (`env.half_gap`) with its values. Every
cell is one run with its own directory under the sweep's directory,
`<agent>__<name>=<value>__...__seed<seed>` (`<agent>__seed<seed>` with nothing varied), written
by `rlnoise.train` as a single run writes it. `rlnoise compare` is the grid with nothing varied.

The runs train on a backend:

- `LocalBackend`: one `forkserver` worker process per job (default: one per core), each run
  with its own torch thread count (`--threads`, default 1); the workers fork from a server that
  imported `PRELOAD` once;
- `RayBackend`: one Ray task per run (`num_cpus` = its threads), on a local Ray started for the
  sweep or on the cluster at `--address`. A task trains in a scratch directory on whichever
  machine runs it and returns the run directory's files, which the driver writes into its own
  log directory: no shared disk is assumed.

Stopping. Ctrl-C or SIGTERM to the main process stops the grid: runs not started are dropped,
each run in flight gets the same signal (forwarded by pid) and saves what it reached, as
`rlnoise train` does, and the results written say they are partial. On Ray the unfinished tasks
are cancelled, and a run in flight there is dropped. `resume=True` trains only
the runs without a complete evaluation: finished runs are read back, an interrupted run
continues from its checkpoint (`rlnoise.train.resume`).

`summarize` gives, per agent and evaluation mode, each figure over the finished seeds and every
seed's outcome; `rlnoise.phase` turns the summaries of a sweep's points into the phase diagram.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import math
import os
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rlnoise import metrics
from rlnoise.config import Check, Config
from rlnoise.errors import Terminated, UsageError
from rlnoise.files import parse_json, write_bytes
from rlnoise.flags import TYPES, env_defaults, flag_type, for_agent
from rlnoise.interrupts import stop_on_signals
from rlnoise.manifest import PROGRESS_SECONDS, read_manifest
from rlnoise.metrics import EVALUATIONS
from rlnoise.names import file_name, flag_name
from rlnoise.plan import make_plan

FIGURES = ("return", *metrics.FIGURES)
OWN_FLAGS = ("agent", "seed", "run_name", "logdir")
"""`Config` fields that a grid sets itself, per run or for the whole grid."""
NOT_VARIED = (*OWN_FLAGS, "env_id", "env_kwargs", "agent_settings")
"""`Config` fields `--vary` does not take: `--agents` and `--seeds` span those, `env.KEY` the kwargs."""
ENV = "env."
SIGNIFICANT = 4
"""Significant digits of the values a range generates, so that names and commands stay short."""
MAX_RUNS = 10_000
"""The most runs a grid may have (each is a directory, a process start and minutes of training);
a range, a seed list and the whole grid are checked against it before any is built."""
RAY_INSTALL = "pip install -e '.[ray]'"


# -- The grid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """A varied setting: a `Config` field or `env.KEY`, its values, and whether they form a log range."""

    name: str
    values: tuple[Any, ...]
    log: bool = False
    text: str = ""
    """The values as given on the command line."""


def numeric(values: Sequence[Any]) -> bool:
    """Whether every value is a number (not a boolean)."""
    return all(isinstance(value, int | float) and not isinstance(value, bool) for value in values)


def setting_name(name: str) -> str:
    """The setting `--vary` names: a `Config` field (`ent-coef` or `ent_coef`), an agent's own
    setting (`components`) or `env.KEY`."""
    from rlnoise import agents

    if name.startswith(ENV) and name[len(ENV) :].replace("-", "_").isidentifier():
        return ENV + name[len(ENV) :].replace("-", "_")
    field_name = name.replace("-", "_")
    valid = [item.name for item in fields(Config) if item.name not in NOT_VARIED] + list(agents.declared())
    if field_name in valid:
        return field_name
    import difflib

    if field_name in NOT_VARIED:
        raise ValueError(f"{name} is not varied with --vary: use --agents, --seeds or env.KEY")
    matches = difflib.get_close_matches(field_name, valid, n=2)
    hint = f"did you mean {' or '.join(matches)}? " if matches else ""
    raise ValueError(f"unknown setting {name!r}; {hint}valid: {', '.join(valid)}, or env.KEY")


def declaration(name: str) -> tuple[type, Check | None, str]:
    """The type, check and help of a `Config` field or of an agent's own setting named `name`."""
    from rlnoise import agents

    own = agents.declared().get(name)
    if own is not None:
        return type(own[0].default), own[0].check, own[0].help
    item = next(item for item in fields(Config) if item.name == name)
    return TYPES.get(item.type, bool), item.metadata.get("check"), item.metadata["help"]


def range_values(text: str) -> tuple[list[float], bool] | None:
    """The values of `a:b:n` (linear) or `log:a:b:n`, and whether they are logarithmic; None if no range."""
    import numpy as np

    parts = text.split(":")
    if len(parts) == 1:
        return None
    log = parts[0] == "log"
    numbers = parts[1:] if log else parts
    try:
        if len(numbers) != 3:
            raise ValueError
        first, last, count = float(numbers[0]), float(numbers[1]), int(numbers[2])
        if count < 2 or not (math.isfinite(first) and math.isfinite(last)) or first == last:
            raise ValueError
        if log and (first <= 0 or last <= 0):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"malformed range {text!r}: expected a:b:n or log:a:b:n, with n >= 2, a != b "
            "(and a, b > 0 for log)"
        ) from None
    if count > MAX_RUNS:
        raise ValueError(f"range {text!r} has {count:,} values; a grid holds at most {MAX_RUNS:,} runs")
    values = np.geomspace(first, last, count) if log else np.linspace(first, last, count)
    return [float(f"{value:.{SIGNIFICANT}g}") for value in values], log


def env_value(text: str) -> Any:
    """An env keyword argument's value: a JSON number, boolean or null, else the text itself."""
    try:
        return parse_json(text)
    except ValueError:
        return text


def parse_axis(text: str) -> Axis:
    """An `Axis` from `NAME=VALUES`: a list `0.1,0.2`, a range `0.1:1.2:12` or `log:0.001:1:10`.

    Each value of a `Config` setting passes the setting's own check; raises ValueError with one line.
    """
    name, equals, values_text = text.partition("=")
    if not equals or not name.strip() or not values_text.strip():
        raise ValueError(f"expected NAME=VALUES, such as sigma=0.1,0.2 or sigma=log:0.1:1:5, got {text!r}")
    name = setting_name(name.strip())
    generated = range_values(values_text.strip())
    texts = [part.strip() for part in values_text.split(",")] if generated is None else None
    if texts is not None and not all(texts):
        raise ValueError(f"empty value in {text!r}")
    if name.startswith(ENV):
        values = [env_value(part) for part in texts] if texts is not None else generated[0]
    else:
        kind, check, _ = declaration(name)
        if kind is bool:
            raise ValueError(f"{name} is a switch: compare --{name} and --no-{name} with two sweeps")
        parse = flag_type(kind, check)
        numbers = generated[0] if generated is not None else None
        texts = texts or [str(round(value)) if kind is int else repr(value) for value in numbers]
        try:
            values = [parse(part) for part in texts]
        except argparse.ArgumentTypeError as error:  # the setting's own check
            raise ValueError(f"{name}: {error}") from None
    if len(set(map(json.dumps, values))) < len(values):
        raise ValueError(f"{name} takes a value twice in {text!r}")
    return Axis(name, tuple(values), log=bool(generated and generated[1]), text=values_text.strip())


def with_settings(base: Config, point: dict[str, Any]) -> Config:
    """`base` with the settings of `point`: `Config` fields, agents' own settings and `env.KEY` env
    keyword arguments."""
    from rlnoise import agents

    own = agents.declared()
    env_kwargs = {name[len(ENV) :]: value for name, value in point.items() if name.startswith(ENV)}
    agent_settings = {name: value for name, value in point.items() if name in own}
    settings = {name: value for name, value in point.items() if not name.startswith(ENV) and name not in own}
    return replace(
        base,
        **settings,
        env_kwargs={**base.env_kwargs, **env_kwargs},
        agent_settings={**base.agent_settings, **agent_settings},
    )


@dataclass(frozen=True)
class Run:
    """One cell of the grid: its settings and its varied values."""

    config: Config
    point: dict[str, Any]

    @property
    def directory(self) -> Path:
        """The run's directory."""
        return Path(self.config.logdir) / str(self.config.run_name)


@dataclass
class Grid:
    """Agents x seeds x the product of the axes' values, around one base `Config`."""

    base: Config
    agents: list[str]
    seeds: list[int]
    axes: list[Axis] = field(default_factory=list)
    refine: int = 0
    """Rounds of `--refine`: values added to the first axis where a share crosses one half."""
    added: tuple[Any, ...] = ()
    """The first axis's values that refinement added (found again from the runs on resume)."""

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the varied values, the first axis varying slowest."""
        names = [axis.name for axis in self.axes]
        return [dict(zip(names, values, strict=True)) for values in itertools.product(*self.values())]

    def values(self) -> list[tuple[Any, ...]]:
        """Each axis's values, the first with those refinement added, in order."""
        values = [axis.values for axis in self.axes]
        if self.added:
            values[0] = tuple(sorted({*values[0], *self.added}))
        return values

    def runs(self, directory: Path) -> list[Run]:
        """Every run: agent, then point, then seed."""
        runs = []
        for agent, point, seed in itertools.product(self.agents, self.points(), self.seeds):
            parts = [file_name(agent), *(f"{name}={file_name(value)}" for name, value in point.items())]
            name = "__".join([*parts, f"seed{seed}"])
            config = replace(
                for_agent(with_settings(self.base, point), agent),
                seed=seed,
                run_name=name,
                logdir=str(directory),
            )
            runs.append(Run(config, point))
        return runs

    def settings(self) -> dict[str, Any]:
        """The base settings that every run shares (without those the grid sets itself)."""
        return {key: value for key, value in asdict(self.base).items() if key not in OWN_FLAGS}

    def identity(self) -> dict[str, Any]:
        """What a directory's results must record for `resume` to continue this grid there."""
        vary = {"vary": [asdict(axis) for axis in self.axes]} if self.axes else {}
        refine = {"refine": self.refine} if self.refine else {}
        return json.loads(
            json.dumps(
                {"agents": self.agents, "seeds": self.seeds, **vary, **refine, "settings": self.settings()}
            )
        )

    def check(self) -> None:
        """Raise a UsageError unless the grid has at most `MAX_RUNS` runs, every agent takes every
        agent setting varied and every run passes the checks of `rlnoise train` (no run starts)."""
        from rlnoise import agents
        from rlnoise.names import resolve

        size = len(self.agents) * len(self.seeds) * math.prod(len(axis.values) for axis in self.axes)
        if size > MAX_RUNS:
            raise UsageError(
                f"this grid has {size:,} runs; at most {MAX_RUNS:,} (fewer values, seeds or agents)"
            )
        first = self.axes[0] if self.axes else None
        numbers = first is not None and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in first.values
        )
        if self.refine and not numbers:
            raise UsageError(f"--refine needs numbers to bisect along the first --vary, not {first.text}")
        own = agents.declared()
        for axis in (axis for axis in self.axes if axis.name in own):
            takers = own[axis.name][1]
            others = [agent for agent in self.agents if resolve(agent, "agent") not in takers]
            if others:
                raise UsageError(
                    f"--vary {axis.name}: a setting of agent {', '.join(takers)}, not of {', '.join(others)}"
                )
        for agent, point in itertools.product(self.agents, self.points()):
            make_plan(for_agent(with_settings(self.base, point), agent))

    def command(self, name: str) -> str:
        """The `rlnoise <name>` command that trains this grid again: every setting that differs from
        what the command line gives when its flag is left out (the env's training_defaults, else
        rlnoise's own)."""
        base = self.base
        parts = ["rlnoise", name, "--env-id", base.env_id, "--agents", ",".join(self.agents)]
        parts += ["--seeds", ",".join(map(str, self.seeds))]
        for axis in self.axes:
            parts += ["--vary", f"{axis.name}={axis.text}"]
        if self.refine:
            parts += ["--refine", str(self.refine)]
        defaults = replace(Config(), **env_defaults(base.env_id, base.env_kwargs))
        for item in fields(Config):
            value = getattr(base, item.name)
            if item.name in (*OWN_FLAGS, "env_id") or value == getattr(defaults, item.name):
                continue
            if item.name == "agent_settings":
                parts += [part for name, given in value.items() for part in flag_words(name, given)]
                continue
            parts += flag_words(item.name, value)
        return shlex.join(parts)


def flag_words(name: str, value: Any) -> list[str]:
    """The command-line words that give setting `name` the value `value`."""
    flag = flag_name(name)[2:]
    if isinstance(value, bool):
        return [f"--{flag}" if value else f"--no-{flag}"]
    return [f"--{flag}", json.dumps(value) if isinstance(value, dict) else str(value)]


def default_jobs() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# -- Training one run, in whichever process runs it ----------------------------------------------


def finished_evaluation(directory: Path) -> dict[str, Any] | None:
    """The final evaluation of the run in `directory` if it finished, else None: finished when its
    manifest says `complete`, or, for a run written before manifests, when its `evaluation.json`
    says it was not interrupted."""

    try:
        evaluation = parse_json((directory / "evaluation.json").read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(evaluation, dict):
        return None
    manifest = read_manifest(directory)
    complete = (
        evaluation.get("interrupted") is False if manifest is None else manifest["status"] == "complete"
    )
    return evaluation if complete else None


def execute(
    config: Config, directory: Path | None, stop: Callable[[], str | None] = lambda: None
) -> dict[str, Any]:
    """Train `config`, or continue the unfinished run in `directory`, until `stop` names a signal;
    the final evaluation and seconds."""
    from rlnoise.files import write_json
    from rlnoise.train import resume, train

    start = time.perf_counter()
    if directory is not None and not (directory / "config.json").is_file():  # stopped as it began
        write_json(directory / "config.json", asdict(config))
    if directory is None:
        result = train(config, progress=False, stop=stop)
    else:
        result = resume(directory, progress=False, trusted={config.env_id, config.agent}, stop=stop)
    return {**result, "seconds": time.perf_counter() - start}


STOP: Any = None
"""In a local worker: the event set when the grid stops, so that queued runs do not start."""


PRELOAD = ("rlnoise.train", "torch._dynamo", "scipy.stats")
"""What every run imports (`torch._dynamo` with its optimiser, `scipy.stats` for its final
intervals): the forkserver imports it once and each worker starts with it, where each worker
would otherwise pay the 5 to 8 seconds itself. `__main__` stays preloaded, as by default."""


def start_worker(stop: Any, modules: tuple[str, ...]) -> None:
    """Prepare a local worker: import `modules` (they register environments); hear signals only in runs."""
    global STOP
    STOP = stop
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    for module in modules:
        importlib.import_module(module)


def local_task(settings: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Train one run in a local worker (None if the grid stopped before it began). Ctrl-C or
    SIGTERM stops the run as it stops `rlnoise train`; any repeat is ignored, so that it saves."""
    with stop_on_signals(repeat=signal.SIG_IGN) as stop:
        if STOP.is_set():
            return None
        config = Config(**settings)
        return execute(config, Path(config.logdir) / str(config.run_name) if resume else None, stop)


def run_files(directory: Path) -> dict[str, bytes]:
    """Every file under `directory`, by its path relative to it."""
    return {
        str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()
    }


def ray_task(
    settings: dict[str, Any], files: dict[str, bytes] | None, modules: tuple[str, ...]
) -> dict[str, Any]:
    """Train one run on a Ray worker, in a scratch directory; return its result and its files.

    `files`, for a run to continue, are its directory's files as the driver holds them.
    """
    for module in modules:
        importlib.import_module(module)
    with tempfile.TemporaryDirectory(prefix="rlnoise-") as scratch:
        config = replace(Config(**settings), logdir=scratch)
        directory = Path(scratch) / str(config.run_name)
        for name, data in (files or {}).items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_bytes(data)
        result = execute(config, directory if files is not None else None)
        back = run_files(directory)
    back["config.json"] = (json.dumps(settings, indent=2) + "\n").encode()  # the driver's logdir
    return {**result, "directory": str(Path(settings["logdir"]) / str(config.run_name)), "files": back}


# -- Backends ---------------------------------------------------------------------------------


class LocalBackend:
    """Runs in `jobs` worker processes on this machine (`forkserver`)."""

    def __init__(self, jobs: int, modules: tuple[str, ...]):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", *PRELOAD])
        self.stop_event = context.Event()
        self.pool = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=start_worker, initargs=(self.stop_event, modules)
        )
        self.description = f"{jobs} jobs"

    def submit(self, run: Run, resume: bool) -> Any:
        """Queue one run; return its handle."""
        return self.pool.submit(local_task, asdict(run.config), resume)

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[Any]:
        """The handles of runs that have ended, waiting for at least one or `timeout` seconds."""
        from concurrent.futures import FIRST_COMPLETED, wait

        return list(wait(handles, timeout=timeout, return_when=FIRST_COMPLETED).done)

    def finish(self, handle: Any, run: Run) -> tuple[dict[str, Any] | None, BaseException | None]:
        """A run's result (None if it never started) or the exception that ended it."""
        if handle.cancelled():
            return None, None
        return (None, handle.exception()) if handle.exception() else (handle.result(), None)

    def stop(self, handles: list[Any], signum: int) -> None:
        """Drop queued runs; send `signum` to every worker, so that runs in flight stop and save."""
        self.stop_event.set()
        for handle in handles:
            handle.cancel()
        for process in list(self.pool._processes.values()):  # the pool's own record of its workers
            if process.pid is not None:
                with suppress(ProcessLookupError):
                    os.kill(process.pid, signum)

    def close(self) -> None:
        """Wait for the workers to exit."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def import_ray() -> Any:
    """The `ray` module, or a UsageError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise UsageError(f"--backend ray needs Ray, an optional extra: {RAY_INSTALL}") from None
    return ray


class RayBackend:
    """Runs as Ray tasks: on a local Ray of `jobs` CPUs, or on the cluster at `address`."""

    def __init__(self, jobs: int, modules: tuple[str, ...], address: str | None):
        ray = import_ray()
        self.ray = ray
        self.modules = modules
        options = {"address": address} if address else {"num_cpus": jobs}
        ray.init(**options, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        self.task = ray.remote(ray_task)
        where = address or "local"
        self.description = f"Ray at {where}, {int(ray.cluster_resources().get('CPU', 0))} CPUs"

    def submit(self, run: Run, resume: bool) -> Any:
        """Queue one run as a Ray task needing its threads as CPUs; return its object ref."""
        files = run_files(run.directory) if resume else None
        options = self.task.options(num_cpus=run.config.threads, max_retries=0)
        return options.remote(asdict(run.config), files, self.modules)

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[Any]:
        """The refs of runs that have ended, waiting for at least one or `timeout` seconds."""
        return self.ray.wait(handles, num_returns=1, timeout=timeout)[0]

    def finish(self, handle: Any, run: Run) -> tuple[dict[str, Any] | None, BaseException | None]:
        """A run's result, its files written into the driver's log directory, or its exception."""
        try:
            result = self.ray.get(handle)
        except self.ray.exceptions.TaskCancelledError:
            return None, None
        except self.ray.exceptions.RayTaskError as error:
            return None, error.cause if isinstance(error.cause, BaseException) else error
        for name, data in result.pop("files").items():
            path = run.directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(path, data)
        return result, None

    def stop(self, handles: list[Any], signum: int) -> None:
        """Cancel every unfinished task: queued ones never start, running ones get a KeyboardInterrupt."""
        for handle in handles:
            self.ray.cancel(handle)

    def close(self) -> None:
        """Disconnect from Ray (a local Ray started for the sweep stops)."""
        self.ray.shutdown()


def make_backend(name: str, jobs: int, modules: tuple[str, ...], address: str | None = None) -> Any:
    """The backend called `name` (`local` or `ray`)."""
    return RayBackend(jobs, modules, address) if name == "ray" else LocalBackend(jobs, modules)


# -- Training the grid ------------------------------------------------------------------------


def entry(run: Run) -> dict[str, Any]:
    """A run's record before it trains."""
    point = {"settings": run.point} if run.point else {}
    return {
        "agent": run.config.agent,
        "seed": run.config.seed,
        **point,
        "directory": str(run.directory),
        "status": "not started",
    }


def record(item: dict[str, Any], result: dict[str, Any] | None, error: BaseException | None) -> None:
    """Put a run's result, or the exception that ended it, into its record."""
    if isinstance(error, KeyboardInterrupt):
        item["status"] = "interrupted"
    elif error is not None:
        item.update(status="failed", error=f"{type(error).__name__}: {error}")
    elif result is not None:
        item.update(
            status="interrupted" if result["interrupted"] else "finished",
            global_step=result["global_step"],
            seconds=None if result.get("seconds") is None else round(result["seconds"], 1),
            **{mode: result[mode] for mode in EVALUATIONS},
        )


def read_finished(run: Run, evaluation: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The record of a run that finished before this session, from its evaluation."""
    item = entry(run)
    record(item, {**evaluation, "seconds": (previous or {}).get("seconds")}, None)
    return item


def steps_in_flight(runs: list[Run]) -> str:
    """The steps the runs that have started have reached, from their manifests (runs on this
    machine; a Ray cluster's runs write theirs where they train)."""
    started = [(read_manifest(run.directory) or {}, run) for run in runs if run.directory.is_dir()]
    started = [(manifest, run) for manifest, run in started if manifest.get("status") == "running"]
    if not started:
        return ""
    reached = sum(manifest.get("step", 0) for manifest, _ in started)
    total = sum(run.config.total_timesteps for _, run in started)
    return f"{len(started)} in flight: {reached / 1e3:,.0f}k of {total / 1e3:,.0f}k steps"


def describe(item: dict[str, Any]) -> str:
    """One line on a run that has ended."""
    point = "".join(f", {name} {value}" for name, value in item.get("settings", {}).items())
    name = f"{item['agent']}{point}, seed {item['seed']}"
    if item["status"] != "finished":
        return f"{name}: {item['status']}" + (f" ({item['error']})" if "error" in item else "")
    figures = ", ".join(
        f"{mode} {item[mode]['outcome']} (return {item[mode]['return']:.3f})" for mode in EVALUATIONS
    )
    seconds = "" if item.get("seconds") is None else f", {item['seconds']:.0f} s"
    return f"{name}: {figures}{seconds}"


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM in this process while the block runs (the runs are saving)."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def train_grid(
    runs: list[Run],
    backend: Any,
    previous: dict[str, dict[str, Any]] | None = None,
    on_change: Callable[[list[dict[str, Any]]], None] | None = None,
) -> tuple[list[dict[str, Any]], KeyboardInterrupt | None]:
    """Train every run on `backend`; return the runs' records and the interrupt that stopped the grid.

    With `previous` (the records of an earlier session, by run name), a finished run is read
    back, an unfinished one continues from its checkpoint, and the others train from the start.
    `on_change` sees the records before the first run starts and whenever a run ends.
    """
    from tqdm import tqdm

    records, todo = [], []
    for index, run in enumerate(runs):
        evaluation = finished_evaluation(run.directory) if previous is not None else None
        if evaluation is not None:
            records.append(read_finished(run, evaluation, previous.get(run.directory.name)))
        else:
            records.append(entry(run))
            todo.append(index)
    if on_change is not None:  # the grid's description is on disk before any run starts
        on_change(records)
    title = f"{runs[0].config.env_id}, {backend.description}"
    bar = tqdm(total=len(runs), initial=len(runs) - len(todo), unit="run", desc=title, file=sys.stderr)
    pending = {backend.submit(runs[index], runs[index].directory.is_dir()): index for index in todo}

    def collect(done: list[Any]) -> None:
        """Record the runs that have ended, and show them; else show the steps of those in flight."""
        if not done:
            bar.set_postfix_str(steps_in_flight([runs[index] for index in pending.values()]))
            return
        for handle in done:
            index = pending.pop(handle)
            record(records[index], *backend.finish(handle, runs[index]))
            if records[index]["status"] == "finished":  # the count the summary gives (`status_line`)
                bar.update()
            if records[index]["status"] != "not started":
                bar.write(describe(records[index]))
        if on_change is not None:
            on_change(records)

    interrupt = None
    try:
        try:
            while pending:
                collect(backend.wait(list(pending), timeout=PROGRESS_SECONDS))
        except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM (`Terminated`)
            interrupt = error
            with signals_ignored():
                backend.stop(
                    list(pending), signal.SIGTERM if isinstance(error, Terminated) else signal.SIGINT
                )
                while pending:  # runs in flight stop and save what they reached
                    collect(backend.wait(list(pending)))
    finally:
        with signals_ignored():
            backend.close()
        bar.close()
    return records, interrupt


# -- Summaries --------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, Any]:
    """Mean and standard deviation of the finite values, and all the values."""
    import numpy as np

    finite = np.array([value for value in values if value is not None and not math.isnan(value)])
    mean = float(finite.mean()) if finite.size else float("nan")
    std = float(finite.std()) if finite.size else float("nan")
    return {"mean": mean, "std": std, "values": values}


def summarize(records: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """Per agent and evaluation mode: each figure over the finished seeds, and every seed's outcome."""
    summary: dict[str, Any] = {}
    for agent in agents:
        finished = [item for item in records if item["agent"] == agent and item["status"] == "finished"]
        if finished:
            summary[agent] = {
                mode: {
                    "figures": {name: spread([item[mode][name] for item in finished]) for name in FIGURES},
                    "outcomes": {str(item["seed"]): item[mode]["outcome"] for item in finished},
                    "outcome_shares": {str(item["seed"]): item[mode]["outcome_shares"] for item in finished},
                }
                for mode in EVALUATIONS
            }
    return summary


def status_line(records: list[dict[str, Any]], interrupted: bool) -> str:
    """How many runs finished, and whether the results are partial."""
    finished = sum(item["status"] == "finished" for item in records)
    return f"{finished} of {len(records)} runs finished" + (
        " (interrupted: partial results)" if interrupted else ""
    )


def read_previous(path: Path, grid: Grid, flag: str) -> dict[str, dict[str, Any]]:
    """The run records of the grid saved at `path`, by run name; a UsageError if it holds another grid."""
    try:
        saved = parse_json(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        raise UsageError(
            f"{flag} {path.parent} holds no readable {path.name}: nothing of this grid to resume"
        ) from None
    identity = grid.identity()
    if isinstance(saved, dict) and isinstance(saved.get("settings"), dict):
        # a setting added to rlnoise after the grid was saved had its default there
        defaults = json.loads(json.dumps(asdict(Config())))
        added = {name: defaults[name] for name in identity["settings"] if name in defaults}
        saved = {**saved, "settings": {**added, **saved["settings"]}}
    if not isinstance(saved, dict) or {key: saved.get(key) for key in identity} != identity:
        differs = next(
            (key for key in identity if not isinstance(saved, dict) or saved.get(key) != identity[key]), ""
        )
        raise UsageError(
            f"{flag} {path.parent} holds another grid (its {differs} differ); resume it with the command "
            f"in {path.name}, or choose another {flag}"
        )
    runs = [item for item in saved.get("runs", []) if isinstance(item, dict) and "directory" in item]
    return {Path(item["directory"]).name: item for item in runs}
