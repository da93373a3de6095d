"""Every signal rlnoise handles or sends, and the exit codes of a command they stop.

- **A command** (`rlnoise.cli.main`, `install_handlers`): SIGTERM stops it as Ctrl-C does, by
  raising `Terminated` (a KeyboardInterrupt) where the program is; a command stopped so exits
  `exit_code(...)`: 130 for Ctrl-C, 143 for SIGTERM.
- **A run** (`rlnoise.train.train` takes a `stop` callable and ends, evaluated and saved, before
  the next update once it names a signal): a command installs `stop_on_signals` around it, which
  notes the first Ctrl-C or SIGTERM; what a repeat does is the command's choice (`rlnoise train`
  lets it interrupt the saving, a compare or sweep worker ignores it so that the run saves:
  `first_signal_stops`).
- **A grid** (`rlnoise.grid`): the main process hears the first signal as a KeyboardInterrupt,
  forwards the same one to each local worker (`forwarded_signal`, `send_signal`) and ignores any
  repeat while the runs save (`signals_ignored`); a worker ignores both between runs
  (`ignore_signals`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, NoReturn

SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
"""The exit code of a command stopped by each signal: 128 + its number, as a shell reports it."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, as Ctrl-C raises KeyboardInterrupt: stop, save, exit 143."""


def signal_name(error: BaseException | None) -> str:
    """The signal that raised `error` in this process: "SIGTERM" for `Terminated`, else "SIGINT"."""
    return "SIGTERM" if isinstance(error, Terminated) else "SIGINT"


def exit_code(error: BaseException | None) -> int:
    """The exit code of a command stopped by `error`: 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_CODES[signal_name(error)]


def interrupt(signum: int, frame: Any) -> NoReturn:
    """Raise where the program is: `Terminated` for SIGTERM, KeyboardInterrupt for Ctrl-C."""
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def install_handlers() -> None:
    """A command's handlers: SIGTERM raises `Terminated`, and Ctrl-C raises KeyboardInterrupt also in
    a process started with SIGINT ignored (a job started by a script with `&`, a test runner's worker)."""
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


@contextmanager
def stop_on_signals(
    repeat: Callable[[int, Any], Any] | int, tell: Callable[[str], Any] = lambda name: None
) -> Iterator[Callable[[], str | None]]:
    """While the block runs, note the first SIGINT or SIGTERM (and `tell` its name), then hand
    either signal to `repeat` (a handler, or `signal.SIG_IGN`); yield the `stop` callable that
    names the signal noted (None before one). The previous handlers come back afterwards."""
    noted: list[str] = []

    def note(signum: int, frame: Any) -> None:
        noted.append(SIGNALS[signum])
        for other in SIGNALS:
            signal.signal(other, repeat)
        tell(SIGNALS[signum])

    previous = {signum: signal.signal(signum, note) for signum in SIGNALS}
    try:
        yield lambda: noted[0] if noted else None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def first_signal_stops() -> AbstractContextManager[Callable[[], str | None]]:
    """While a run trains in a grid's worker: note the first Ctrl-C or SIGTERM and ignore any
    repeat, so that the run saves; yields the run's `stop` callable."""
    return stop_on_signals(repeat=signal.SIG_IGN)


def ignore_signals() -> None:
    """Ignore Ctrl-C and SIGTERM in this process from now on (a worker between runs)."""
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM in this process while the block runs (the runs are saving)."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def forwarded_signal(error: KeyboardInterrupt) -> int:
    """The signal that stopped the main process, to send on to the runs: SIGTERM or SIGINT."""
    return signal.SIGTERM if isinstance(error, Terminated) else signal.SIGINT


def send_signal(pids: Iterable[int], signum: int) -> None:
    """Send `signum` to each process of `pids` that is still there."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)
