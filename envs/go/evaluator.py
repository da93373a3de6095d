"""Move evaluator: expected final score margin of every move, from random playouts.

For a position, each legal move (and passing) is valued by the mean Tromp-Taylor margin,
in points and **for the player to move**, of random playouts (see `rlnoise.envs.go.engine`) that
start after that move. Moves that a symmetry of the position maps onto each other form an
equivalence class; one representative per class (its lowest action) is played out, and every
member gets its value and standard error. Illegal moves get NaN.

Random streams: the playouts of a class are drawn in chunks of `CHUNK` playouts, chunk ``k``
of representative ``a`` seeded from ``SeedSequence([seed, a, k])``, so a value depends only on
(position, komi, seed, representative, playouts_per_move, max_moves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rlnoise.envs.go.engine import (
    WHITE,
    GoPosition,
    default_max_moves,
    playouts,
    symmetry_maps,
)

CHUNK = 10_000
POSITION_NAMES = ("empty", "tengen")


def named_position(name: str, size: int) -> GoPosition:
    """A named starting position: "empty" (Black to play) or "tengen" (Black on the centre
    point, White to play; odd sizes only)."""
    if name == "empty":
        return GoPosition.empty(size)
    if name == "tengen":
        if size % 2 == 0:
            raise ValueError(f"tengen needs an odd board size (a centre point), got {size}")
        centre = (size // 2) * size + size // 2
        return GoPosition.from_stones(size, black=[centre], to_play=WHITE)
    raise ValueError(f"unknown position {name!r}; valid: {', '.join(POSITION_NAMES)}")


def move_classes(position: GoPosition) -> list[list[int]]:
    """Legal moves grouped into classes of moves equivalent under the position's symmetries.

    Each class is sorted (its first member is the representative); classes are ordered by
    representative, so pass (the highest action) comes last.
    """
    maps = symmetry_maps(position.size)[position.symmetries()]
    seen: set[int] = set()
    classes = []
    for a in position.legal_moves().tolist():
        if a not in seen:
            orbit = sorted({int(b) for b in maps[:, a]})
            seen.update(orbit)
            classes.append(orbit)
    return classes


@dataclass(frozen=True)
class MoveValues:
    """Per-move values (points for the player to move) with standard errors."""

    position: GoPosition
    komi: float
    seed: int
    playouts_per_move: int
    max_moves: int
    values: np.ndarray  # shape (size*size+1,), NaN for illegal moves
    stderr: np.ndarray  # standard error of each value, NaN for illegal moves
    classes: list[list[int]]  # equivalence classes, each sharing one set of playouts

    @property
    def size(self) -> int:
        """Board size."""
        return self.position.size

    def best_set(self, tolerance: float = 0.5) -> list[int]:
        """Moves whose value is within tolerance points of the best value."""
        best = np.nanmax(self.values)
        return [int(a) for a in np.flatnonzero(self.values >= best - tolerance)]


def value_moves(
    position: GoPosition,
    komi: float,
    playouts_per_move: int,
    seed: int = 0,
    max_moves: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> MoveValues:
    """Value every legal move of position by random playouts after it.

    progress, when given, is called with the number of playouts just finished.
    """
    if playouts_per_move < 2:
        raise ValueError("playouts_per_move must be at least 2 (for a standard error)")
    limit = default_max_moves(position.size) if max_moves is None else max_moves
    sign = -1.0 if position.to_play == WHITE else 1.0
    n_actions = position.size * position.size + 1
    values = np.full(n_actions, np.nan)
    stderr = np.full(n_actions, np.nan)
    classes = move_classes(position)
    for members in classes:
        after = position.play(members[0])
        total = total_sq = 0.0
        for k, start in enumerate(range(0, playouts_per_move, CHUNK)):
            count = min(CHUNK, playouts_per_move - start)
            chunk_seed = np.random.SeedSequence([seed, members[0], k]).generate_state(1)[0]
            margins = sign * playouts(after, count, int(chunk_seed), komi, limit)
            total += margins.sum()
            total_sq += (margins**2).sum()
            if progress is not None:
                progress(count)
        n = playouts_per_move
        mean = total / n
        var = max(total_sq - n * mean * mean, 0.0) / (n - 1)
        values[members] = mean
        stderr[members] = np.sqrt(var / n)
    return MoveValues(position, komi, seed, playouts_per_move, limit, values, stderr, classes)
