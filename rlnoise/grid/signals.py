"""The grid's signals, in one place: how Ctrl-C and SIGTERM stop a grid and its runs.

The main process hears the first Ctrl-C or SIGTERM as a KeyboardInterrupt (`Terminated` for
SIGTERM, `rlnoise.interrupts`) and forwards the same signal to each local worker
(`forwarded_signal`, `send_signal`), then ignores any repeat while the runs save
(`signals_ignored`). A worker ignores both signals between runs (`ignore_signals`); inside a run
it notes the first and ignores the rest (`first_signal_stops`), so that the run ends, evaluated
and saved, as `rlnoise train` ends.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

from rlnoise.errors import Terminated
from rlnoise.interrupts import SIGNALS, stop_on_signals


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


def first_signal_stops() -> AbstractContextManager[Callable[[], str | None]]:
    """While a run trains in a worker: note the first Ctrl-C or SIGTERM and ignore any repeat, so
    that the run saves; yields the run's `stop` callable (`rlnoise.interrupts.stop_on_signals`)."""
    return stop_on_signals(repeat=signal.SIG_IGN)


def forwarded_signal(interrupt: KeyboardInterrupt) -> int:
    """The signal that stopped the main process, to send on to the runs: SIGTERM or SIGINT."""
    return signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT


def send_signal(pids: Iterable[int], signum: int) -> None:
    """Send `signum` to each process of `pids` that is still there."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)
