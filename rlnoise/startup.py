"""A command's set-up (its imports and checks) without garbage collection.

Importing torch, matplotlib and scipy makes hundreds of thousands of objects and almost no garbage,
yet every full collection walks them all again, several times while they are made. Python's
recipe for a process that lives long after its imports (`gc.freeze`'s documentation): collect
nothing while they are made, then freeze them, so that no later collection walks them either.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def uncollected() -> Iterator[None]:
    """Collect no garbage inside; when the block ends without an error, freeze every object the
    process holds (`gc.freeze`), which no collection walks again."""
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()
