"""How a command stops a run on Ctrl-C or SIGTERM: the first signal asks the run to stop.

`rlnoise.train.train` takes a `stop` callable and ends, evaluated and saved, before the next
update once it names a signal. A command installs `stop_on_signals` around the run: the first
Ctrl-C (SIGINT) or SIGTERM is noted, and what a repeat does is the command's choice (`rlnoise
train` lets it interrupt the saving, a compare or sweep worker ignores it so the run saves).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rlnoise.errors import Terminated

SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def interrupt(signum: int, frame: Any) -> NoReturn:
    """Raise where the program is: `Terminated` for SIGTERM, KeyboardInterrupt for Ctrl-C."""
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


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
