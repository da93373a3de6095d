"""Where a grid's runs train: worker processes on this machine, or Ray tasks.

- `LocalBackend`: one `forkserver` worker process per job (default: one per core), each run
  with its own torch thread count (`--threads`, default 1); the workers fork from a server that
  imported `PRELOAD` once;
- `RayBackend`: one Ray task per run (`num_cpus` = its threads), on a local Ray started for the
  grid or on the cluster at `--address`. A task trains in a scratch directory on whichever
  machine runs it and returns the run directory's files, which the driver writes into its own
  log directory: no shared disk is assumed.

Each backend submits a `Cell`, waits for runs to end, gives a run's result or the exception that
ended it, and stops (`Backend`); `rlnoise.grid.scheduler.train_grid` drives it.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

from rlnoise.config import CONFIG_FILE, Config, write_config
from rlnoise.errors import UsageError
from rlnoise.files import write_bytes
from rlnoise.grid.spec import Cell, Grid
from rlnoise.signals import first_signal_stops, ignore_signals, send_signal

RAY_INSTALL = "pip install -e '.[ray]'"
PRELOAD = ("rlnoise.grid.backends", "rlnoise.train", "scipy.stats")
"""What every run imports (this module with the workers' tasks, first, for `prepare_server`;
`rlnoise.train` with torch; `scipy.stats` for its final intervals): the forkserver imports it
once and each worker starts with it, where each worker would otherwise pay those seconds itself.
Not `torch._dynamo`: rlnoise's optimisers (rlnoise/optimizers.py) never import it. `__main__` is
listed first, as multiprocessing's default lists it, though CPython 3.11's forkserver passes it no
path and so imports no `__main__`."""


class Backend(Protocol):
    """What `train_grid` asks of a backend."""

    description: str
    """How the runs train, for the progress bar and the summary (`2 jobs`, `Ray at auto, 8 CPUs`)."""

    def submit(self, cell: Cell, resume: bool) -> Any:
        """Queue one cell's run (continuing it from its directory when `resume`); return its handle."""

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[Any]:
        """The handles of runs that have ended, waiting for at least one or `timeout` seconds."""

    def finish(self, handle: Any, cell: Cell) -> tuple[dict[str, Any] | None, BaseException | None]:
        """A run's result (None if it never started) or the exception that ended it."""

    def stop(self, handles: list[Any], signum: int) -> None:
        """Drop queued runs, and stop those in flight with `signum`."""

    def close(self) -> None:
        """Release the workers."""


def default_jobs() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_async_workers(grid: Grid, backend: str, jobs: int) -> None:
    """Raise a UsageError for asynchronous runs (`--async-workers` above 1, given or varied) on Ray,
    whose task reserves the CPUs of one process, or in more local jobs than the cores can hold."""
    workers = max(grid.base.async_workers, *(point.get("async_workers", 1) for point in grid.points()))
    if workers == 1:
        return
    if backend == "ray":
        raise UsageError(
            f"--async-workers {workers} forks workers that a Ray task's CPUs do not count: "
            "use --backend local, or one process per run"
        )
    runs = min(jobs, len(grid.agents) * len(grid.seeds) * len(grid.points()))
    cores = default_jobs()
    if runs * workers > cores:
        raise UsageError(
            f"{runs} jobs of --async-workers {workers} are {runs * workers} processes on this "
            f"machine's {cores} cores: give --jobs {max(1, cores // workers)} or fewer"
        )


def prepare_server() -> None:
    """In the workers' server (a `multiprocessing.forkserver` process, which imports this module
    first of `PRELOAD`), before it imports the rest: collect no garbage, and end without the
    interpreter's teardown. Anywhere else, nothing.

    - Its imports take a sixth less time without the collections that walk torch's objects again
      and again as they are made. This is Python's recipe for a process that forks (`gc.freeze`'s
      documentation): each worker freezes what it inherits and collects again (`start_worker`).
    - Freeing torch takes most of a second, and all that time the server holds the command's
      stdout and stderr open, so that a pipe (`| tee`) or a subprocess capturing the output waits
      for it. The server writes no file, and the workers it forks end with `os._exit` already.
    """
    if sys.argv == ["-c"] and sys.orig_argv[-1].startswith("from multiprocessing.forkserver import main"):
        gc.disable()
        atexit.register(os._exit, 0)


prepare_server()


# -- Training one run, in whichever process runs it ----------------------------------------------


def execute(
    config: Config, directory: Path | None, stop: Callable[[], str | None] = lambda: None
) -> dict[str, Any]:
    """Train `config`, or continue the unfinished run in `directory`, until `stop` names a signal;
    the final evaluation and seconds."""
    from rlnoise.train import resume, train

    start = time.perf_counter()
    if directory is not None and not (directory / CONFIG_FILE).is_file():  # stopped as it began
        write_config(directory, config)
    if directory is None:
        result = train(config, progress=False, stop=stop)
    else:
        result = resume(directory, progress=False, trusted={config.env_id, config.agent}, stop=stop)
    return {**result, "seconds": time.perf_counter() - start}


STOP: Any = None
"""In a local worker: the event set when the grid stops, so that queued runs do not start."""


def start_worker(stop: Any, started: Any, modules: tuple[str, ...]) -> None:
    """Prepare a local worker: collect garbage again, but never what the server imported (it
    lives as long as the worker); hear signals only in runs, put its pid on `started` (where the
    grid finds whom to signal), import `modules` (they register environments)."""
    global STOP
    gc.freeze()
    gc.enable()
    STOP = stop
    ignore_signals()
    started.put(os.getpid())
    for module in modules:
        importlib.import_module(module)


def local_task(settings: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Train one run in a local worker (None if the grid stopped before it began). Ctrl-C or
    SIGTERM stops the run as it stops `rlnoise train`; any repeat is ignored, so that it saves."""
    with first_signal_stops() as stop:
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
    """Train one run on a Ray worker, in a scratch directory; return its result and its files but
    `config.json` (which names the scratch directory: the driver writes its own).

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
        back = {name: data for name, data in run_files(directory).items() if name != CONFIG_FILE}
    return {**result, "directory": str(Path(settings["logdir"]) / str(config.run_name)), "files": back}


# -- Backends ---------------------------------------------------------------------------------


def start_server() -> Any:
    """The `forkserver` context that local workers fork from, its server started now (once): it
    imports `PRELOAD` on a core of its own while this process checks the grid and plans its cells,
    instead of after, when the first run is submitted."""
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", *PRELOAD])
    forkserver.ensure_running()
    return context


class LocalBackend:
    """Runs in `jobs` worker processes on this machine (`forkserver`)."""

    def __init__(self, jobs: int, modules: tuple[str, ...]):
        from concurrent.futures import ProcessPoolExecutor

        context = start_server()
        self.stop_event = context.Event()
        self.started = context.SimpleQueue()
        """The pids of the workers, each put there as it starts."""
        self.pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=start_worker,
            initargs=(self.stop_event, self.started, modules),
        )
        self.description = f"{jobs} jobs"

    def submit(self, cell: Cell, resume: bool) -> Any:
        """Queue one run; return its handle."""
        return self.pool.submit(local_task, asdict(cell.config), resume)

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[Any]:
        """The handles of runs that have ended, waiting for at least one or `timeout` seconds."""
        from concurrent.futures import FIRST_COMPLETED, wait

        return list(wait(handles, timeout=timeout, return_when=FIRST_COMPLETED).done)

    def finish(self, handle: Any, cell: Cell) -> tuple[dict[str, Any] | None, BaseException | None]:
        """A run's result (None if it never started) or the exception that ended it."""
        if handle.cancelled():
            return None, None
        return (None, handle.exception()) if handle.exception() else (handle.result(), None)

    def stop(self, handles: list[Any], signum: int) -> None:
        """Drop queued runs; send `signum` to every worker, so that runs in flight stop and save.

        The stop event is set first: a worker started after the pids are read, or one that the
        signal reaches before its run listens, finds it set and starts no run."""
        self.stop_event.set()
        for handle in handles:
            handle.cancel()
        send_signal(self.worker_pids(), signum)

    def worker_pids(self) -> list[int]:
        """The pids of the workers started so far."""
        pids = []
        while not self.started.empty():
            pids.append(self.started.get())
        return pids

    def close(self) -> None:
        """Wait for the workers to exit, then let go of the pool and of what it shared with them, so
        that their semaphores are released now and not left to the interpreter's exit (where the
        resource tracker reports them as leaked)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        del self.pool, self.stop_event, self.started


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

    def submit(self, cell: Cell, resume: bool) -> Any:
        """Queue one run as a Ray task needing its threads as CPUs; return its object ref."""
        files = run_files(cell.directory) if resume else None
        options = self.task.options(num_cpus=cell.config.threads, max_retries=0)
        return options.remote(asdict(cell.config), files, self.modules)

    def wait(self, handles: list[Any], timeout: float | None = None) -> list[Any]:
        """The refs of runs that have ended, waiting for at least one or `timeout` seconds."""
        return self.ray.wait(handles, num_returns=1, timeout=timeout)[0]

    def finish(self, handle: Any, cell: Cell) -> tuple[dict[str, Any] | None, BaseException | None]:
        """A run's result, its files and config.json written into the driver's log directory, or
        its exception."""
        try:
            result = self.ray.get(handle)
        except self.ray.exceptions.TaskCancelledError:
            return None, None
        except self.ray.exceptions.RayTaskError as error:
            return None, error.cause if isinstance(error.cause, BaseException) else error
        for name, data in result.pop("files").items():
            path = cell.directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(path, data)
        write_config(cell.directory, cell.config)
        return result, None

    def stop(self, handles: list[Any], signum: int) -> None:
        """Cancel every unfinished task: queued ones never start, running ones get a KeyboardInterrupt."""
        for handle in handles:
            self.ray.cancel(handle)

    def close(self) -> None:
        """Disconnect from Ray (a local Ray started for the grid stops)."""
        self.ray.shutdown()


def make_backend(name: str, jobs: int, modules: tuple[str, ...], address: str | None = None) -> Backend:
    """The backend called `name` (`local` or `ray`)."""
    return RayBackend(jobs, modules, address) if name == "ray" else LocalBackend(jobs, modules)
