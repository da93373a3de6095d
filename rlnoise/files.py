"""Every file rlnoise writes, written whole or not at all, and JSON that strict parsers read.

A file is written to a temporary file beside it (`.NAME.<pid>.<random>.partial`), flushed to
disk and renamed over `NAME` (`os.replace`, atomic on POSIX): a reader, or a crash, sees the
previous file or the new one, never half of one; a write that fails (a full disk, a read-only
directory) is a `RunError` naming the file, and the previous file is kept. JSON is strict: a
non-finite float (`nan`, `inf`) is written as `null`, so any JSON parser reads it.

Output paths are checked before any work starts (`check_directory`, `check_file`): a mistake
there is a `UsageError`. A directory one process writes is locked (`locked_directory`), so a
second one is refused at once; default names carry a random `unique_suffix`.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rlnoise.errors import RunError, UsageError

PARTIAL = ".partial"
"""The suffix of a temporary file that has not been renamed yet."""
LOCK = ".lock"
"""The file in a locked directory that its writer holds an exclusive `flock` on."""


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically: through a temporary file in the same directory."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL}")
    try:
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise RunError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        temporary.unlink(missing_ok=True)


def overwrite_small(path: Path, data: bytes) -> None:
    """Write `data` over the small file `path` in place, in the block it already has: how a full
    disk, with no room for a temporary file, still takes a few hundred bytes. Not atomic; a
    RunError if this fails too."""
    try:
        with open(path, "r+b") as file:
            file.write(data)
            file.truncate()
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        raise RunError(f"cannot write {path}: {error.strerror or error}") from None


def write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode())


def strict(data: Any) -> Any:
    """`data` with every non-finite float replaced by None, as strict JSON has no NaN or Infinity."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: strict(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [strict(value) for value in data]
    return data


def _refuse_constant(name: str) -> Any:
    """Refuse `NaN` and `Infinity`, which strict JSON does not have."""
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str) -> Any:
    """The data in `text`, parsed as strict JSON: `NaN` and `Infinity` are a ValueError."""
    return json.loads(text, parse_constant=_refuse_constant)


def json_bytes(data: Any, indent: int = 2) -> bytes:
    """`data` as strict JSON (non-finite floats as `null`), UTF-8, ending in a newline."""
    return (json.dumps(strict(data), indent=indent, allow_nan=False) + "\n").encode()


def write_json(path: str | Path, data: Any, indent: int = 2) -> None:
    """Write `data` as strict JSON (non-finite floats as `null`) to `path` atomically."""
    write_bytes(path, json_bytes(data, indent))


def check_directory(path: str | Path, flag: str) -> None:
    """Raise a UsageError unless `path` is, or can be made as, a directory this process can write."""
    path = Path(path)
    existing = next(parent for parent in (path, *path.parents) if parent.exists())
    if not existing.is_dir():
        raise UsageError(f"{flag} {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: cannot write in {existing} (read-only or no permission)")


def check_file(path: str | Path, flag: str) -> None:
    """Raise a UsageError unless `path` names a file, new or not, in a directory this process can write."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {flag} {path}: directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {flag} {path}: {path.parent} is read-only or not ours")


def unique_suffix() -> str:
    """The time to the second and a random tag: names made at the same second still differ."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def has_content(directory: Path) -> bool:
    """Whether `directory` exists and holds anything but its lock file."""
    return directory.is_dir() and any(item.name != LOCK for item in directory.iterdir())


@contextmanager
def locked_directory(directory: Path, flag: str, reuse: bool = False) -> Iterator[Path]:
    """Make `directory` (new or empty) and hold its lock while the block writes in it.

    Another process holding the lock, or a directory with content, is a UsageError, raised at once;
    with `reuse` (a grid continued where it stopped), content is allowed.
    """
    if has_content(directory) and not (directory / LOCK).exists() and not reuse:
        raise UsageError(f"{flag} {directory} already exists and is not empty; choose another {flag}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / LOCK, "a")  # noqa: SIM115  held open until the block ends
    except OSError as error:
        raise UsageError(f"cannot write {flag} {directory}: {error.strerror}") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{flag} {directory} is being written by another rlnoise process") from None
        if has_content(directory) and not reuse:
            raise UsageError(f"{flag} {directory} already exists and is not empty; choose another {flag}")
        yield directory
