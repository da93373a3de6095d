"""Small-board Go engine: rules, Tromp-Taylor scoring and fast random playouts.

Rules: suicide is illegal; simple ko (a stone that captures exactly one stone, played
where all its neighbours were enemy stones or the edge, may not be recaptured on the very
next move; the ko point is cleared by any other move or a pass); no superko; the game ends
after two consecutive passes. Scoring is Tromp-Taylor area scoring: a player's stones plus
the empty regions that reach only that player's stones; `score(komi)` is Black's area minus
White's area minus komi (the margin for Black).

Point numbering is OpenSpiel's: action ``a = row * N + col``, row 0 the bottom row (Go row
"1"), col 0 column "A"; ``N * N`` is pass. Colours: ``EMPTY = 0``, ``BLACK = 1``,
``WHITE = 2``.

Imported as ``rlnoise.envs.go.engine``. Its numba functions are compiled on first use and
cached beside this file; a cache made under the old import name ``envs.go.engine`` is
invalidated by this file's change.

Playouts: both players choose uniformly at random among their legal moves that do not fill
one of their own eyes (see `_is_eye`), and pass when there is none. A playout ends after two
consecutive passes or after ``max_moves`` moves (passes included; default ``3 * N * N``),
and is then scored as it stands. Superko is not checked in playouts.

Inside numba the board is padded with a one-point border (width ``W = N + 2``); chains are
circular linked lists with pseudo-liberty counts plus the sum and sum of squares of their
pseudo-liberties (a chain is in atari exactly when ``libs * sum2 == sum ** 2``), and the empty
points are kept in a list for random move choice.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

EMPTY, BLACK, WHITE, BORDER = 0, 1, 2, 3
COLUMNS = "ABCDEFGHJKLMNOPQRST"
MAX_SIZE = len(COLUMNS)
ENGINE_VERSION = "rlnoise-go 1.0"

# meta slots of the numba board state
_N, _W, _NEMPTY, _KO, _TOPLAY, _PASSES = range(6)

_State = namedtuple(
    "_State",
    ["color", "head", "nxt", "libs", "lsum", "lsum2", "empties", "epos", "meta"],
)


# ---------------------------------------------------------------------------
# numba core
# ---------------------------------------------------------------------------


@njit(cache=True)
def _new_state(n: int) -> _State:
    """Allocate an empty padded board of size n."""
    w = n + 2
    color = np.full(w * w, BORDER, np.int64)
    empties = np.empty(n * n, np.int64)
    epos = np.full(w * w, -1, np.int64)
    k = 0
    for r in range(n):
        for c in range(n):
            p = (r + 1) * w + c + 1
            color[p] = EMPTY
            empties[k] = p
            epos[p] = k
            k += 1
    meta = np.zeros(6, np.int64)
    meta[_N] = n
    meta[_W] = w
    meta[_NEMPTY] = n * n
    meta[_KO] = -1
    meta[_TOPLAY] = BLACK
    z = np.zeros(w * w, np.int64)
    return _State(color, z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), empties, epos, meta)


@njit(cache=True)
def _copy_into(dst: _State, src: _State) -> None:
    """Copy the contents of state src into state dst (same size)."""
    dst.color[:] = src.color
    dst.head[:] = src.head
    dst.nxt[:] = src.nxt
    dst.libs[:] = src.libs
    dst.lsum[:] = src.lsum
    dst.lsum2[:] = src.lsum2
    dst.empties[:] = src.empties
    dst.epos[:] = src.epos
    dst.meta[:] = src.meta


@njit(cache=True)
def _remove_empty(s: _State, p: int) -> None:
    """Remove point p from the empty list."""
    last = s.meta[_NEMPTY] - 1
    i = s.epos[p]
    q = s.empties[last]
    s.empties[i] = q
    s.epos[q] = i
    s.epos[p] = -1
    s.meta[_NEMPTY] = last


@njit(cache=True)
def _add_empty(s: _State, p: int) -> None:
    """Append point p to the empty list."""
    k = s.meta[_NEMPTY]
    s.empties[k] = p
    s.epos[p] = k
    s.meta[_NEMPTY] = k + 1


@njit(cache=True)
def _in_atari(s: _State, h: int) -> bool:
    """True when the chain headed by h (which has a liberty) has exactly one distinct liberty."""
    return s.libs[h] * s.lsum2[h] == s.lsum[h] * s.lsum[h]


@njit(cache=True)
def _merge(s: _State, a: int, b: int) -> int:
    """Merge the chains headed by a and b; return the surviving head."""
    if s.libs[a] > s.libs[b]:  # relabel the chain with fewer pseudo-liberties, usually the smaller
        a, b = b, a
    q = a
    while True:
        s.head[q] = b
        q = s.nxt[q]
        if q == a:
            break
    s.nxt[a], s.nxt[b] = s.nxt[b], s.nxt[a]
    s.libs[b] += s.libs[a]
    s.lsum[b] += s.lsum[a]
    s.lsum2[b] += s.lsum2[a]
    return b


@njit(cache=True)
def _add_stone(s: _State, p: int, c: int) -> None:
    """Put a stone of colour c on empty point p and join chains, without capturing."""
    w = s.meta[_W]
    _remove_empty(s, p)
    s.color[p] = c
    s.head[p] = p
    s.nxt[p] = p
    s.libs[p] = 0
    s.lsum[p] = 0
    s.lsum2[p] = 0
    for d in (1, -1, w, -w):
        q = p + d
        cq = s.color[q]
        if cq == EMPTY:
            s.libs[p] += 1
            s.lsum[p] += q
            s.lsum2[p] += q * q
        elif cq != BORDER:
            h = s.head[q]
            s.libs[h] -= 1
            s.lsum[h] -= p
            s.lsum2[h] -= p * p
    hp = p
    for d in (1, -1, w, -w):
        q = p + d
        if s.color[q] == c and s.head[q] != hp:
            hp = _merge(s, s.head[q], hp)


@njit(cache=True)
def _remove_chain(s: _State, h: int) -> int:
    """Remove the chain headed by h from the board; return its number of stones."""
    w = s.meta[_W]
    n = 0
    q = h
    while True:
        s.color[q] = EMPTY
        _add_empty(s, q)
        n += 1
        q = s.nxt[q]
        if q == h:
            break
    while True:
        for d in (1, -1, w, -w):
            r = q + d
            cr = s.color[r]
            if cr in (BLACK, WHITE):
                g = s.head[r]
                s.libs[g] += 1
                s.lsum[g] += q
                s.lsum2[g] += q * q
        q = s.nxt[q]
        if q == h:
            break
    return n


@njit(cache=True)
def _play(s: _State, p: int) -> int:
    """Play point p (or pass when p < 0) for the player to move; return stones captured."""
    c = s.meta[_TOPLAY]
    s.meta[_TOPLAY] = 3 - c
    if p < 0:
        s.meta[_KO] = -1
        s.meta[_PASSES] += 1
        return 0
    s.meta[_PASSES] = 0
    w = s.meta[_W]
    o = 3 - c
    enemy_eye = True
    for d in (1, -1, w, -w):
        cq = s.color[p + d]
        if cq != o and cq != BORDER:
            enemy_eye = False
    _add_stone(s, p, c)
    captured = 0
    last = -1
    for d in (1, -1, w, -w):
        q = p + d
        if s.color[q] == o and s.libs[s.head[q]] == 0:
            last = q
            captured += _remove_chain(s, s.head[q])
    s.meta[_KO] = last if (enemy_eye and captured == 1) else -1
    return captured


@njit(cache=True)
def _is_legal(s: _State, p: int, c: int) -> bool:
    """True when colour c may play on point p: empty, not the ko point, not suicide."""
    if s.color[p] != EMPTY or p == s.meta[_KO]:
        return False
    w = s.meta[_W]
    for d in (1, -1, w, -w):
        if s.color[p + d] == EMPTY:
            return True
    for d in (1, -1, w, -w):
        cq = s.color[p + d]
        if cq == c:
            if not _in_atari(s, s.head[p + d]):
                return True
        elif cq == 3 - c and _in_atari(s, s.head[p + d]):
            return True
    return False


@njit(cache=True)
def _is_eye(s: _State, p: int, c: int) -> bool:
    """True when empty point p is an eye of colour c: its orthogonal neighbours are all c's stones
    or the edge, and its diagonal neighbours hold at most one opponent stone, none on the edge."""
    w = s.meta[_W]
    edge = 0
    for d in (1, -1, w, -w):
        cq = s.color[p + d]
        if cq == BORDER:
            edge = 1
        elif cq != c:
            return False
    bad = edge
    o = 3 - c
    for d in (w + 1, w - 1, -w + 1, -w - 1):
        if s.color[p + d] == o:
            bad += 1
    return bad < 2


@njit(cache=True)
def _playable(s: _State, p: int, c: int) -> bool:
    """True when p is legal for c and does not fill one of c's own eyes."""
    if p == s.meta[_KO]:
        return False
    w = s.meta[_W]
    for d in (1, -1, w, -w):
        if s.color[p + d] == EMPTY:
            return True
    return not _is_eye(s, p, c) and _is_legal(s, p, c)


@njit(cache=True)
def _area(s: _State, stack: np.ndarray, mark: np.ndarray) -> int:
    """Tromp-Taylor area of Black minus area of White."""
    n = s.meta[_N]
    w = s.meta[_W]
    mark[:] = False
    total = 0
    for r in range(n):
        for col in range(n):
            p = (r + 1) * w + col + 1
            cp = s.color[p]
            if cp == BLACK:
                total += 1
            elif cp == WHITE:
                total -= 1
            elif not mark[p]:
                reach = 0  # bit 1: reaches Black, bit 2: reaches White
                size = 0
                top = 0
                stack[0] = p
                mark[p] = True
                while top >= 0:
                    q = stack[top]
                    top -= 1
                    size += 1
                    for d in (1, -1, w, -w):
                        r2 = q + d
                        cr = s.color[r2]
                        if cr == EMPTY:
                            if not mark[r2]:
                                mark[r2] = True
                                top += 1
                                stack[top] = r2
                        elif cr != BORDER:
                            reach |= cr
                if reach == BLACK:
                    total += size
                elif reach == WHITE:
                    total -= size
    return total


@njit(cache=True)
def _playout(s: _State, max_moves: int) -> int:
    """Play a random non-eye-filling game from s to its end, in place; return its length."""
    moves = 0
    while s.meta[_PASSES] < 2 and moves < max_moves:
        c = s.meta[_TOPLAY]
        k = s.meta[_NEMPTY]
        move = -1
        while k > 0:
            i = np.random.randint(0, k)
            p = s.empties[i]
            if _playable(s, p, c):
                move = p
                break
            k -= 1  # set p aside: swap it behind the candidates still to draw
            q = s.empties[k]
            s.empties[i] = q
            s.epos[q] = i
            s.empties[k] = p
            s.epos[p] = k
        _play(s, move)
        moves += 1
    return moves


@njit(cache=True)
def _setup(n: int, board: np.ndarray, to_play: int, ko: int, passes: int) -> _State:
    """Build a numba state from a flat board (action order); -1 ko means none."""
    s = _new_state(n)
    w = n + 2
    for a in range(n * n):
        if board[a] != EMPTY:
            _add_stone(s, (a // n + 1) * w + a % n + 1, board[a])
    s.meta[_TOPLAY] = to_play
    s.meta[_KO] = -1 if ko < 0 else (ko // n + 1) * w + ko % n + 1
    s.meta[_PASSES] = passes
    return s


@njit(cache=True)
def _dead_chains(s: _State) -> int:
    """Number of stones in chains without liberties (nonzero means an invalid board)."""
    n = s.meta[_N]
    w = s.meta[_W]
    bad = 0
    for a in range(n * n):
        p = (a // n + 1) * w + a % n + 1
        if s.color[p] != EMPTY and s.libs[s.head[p]] == 0:
            bad += 1
    return bad


@njit(cache=True)
def _flat(s: _State) -> np.ndarray:
    """The board in action order."""
    n = s.meta[_N]
    w = s.meta[_W]
    out = np.empty(n * n, np.int8)
    for a in range(n * n):
        out[a] = s.color[(a // n + 1) * w + a % n + 1]
    return out


@njit(cache=True)
def _legal_mask(s: _State) -> np.ndarray:
    """Legal-move mask (pass included, last) for the player to move."""
    n = s.meta[_N]
    w = s.meta[_W]
    c = s.meta[_TOPLAY]
    out = np.zeros(n * n + 1, np.bool_)
    for a in range(n * n):
        out[a] = _is_legal(s, (a // n + 1) * w + a % n + 1, c)
    out[n * n] = True
    return out


@njit(cache=True)
def _play_action(s: _State, a: int) -> int:
    """Play action a (pass is n*n) on s; return stones captured, or -1 when illegal."""
    n = s.meta[_N]
    if a == n * n:
        return _play(s, -1)
    p = (a // n + 1) * s.meta[_W] + a % n + 1
    if not _is_legal(s, p, s.meta[_TOPLAY]):
        return -1
    return _play(s, p)


@njit(cache=True)
def _ko_action(s: _State) -> int:
    """The ko point as an action index, or -1."""
    p = s.meta[_KO]
    if p < 0:
        return -1
    w = s.meta[_W]
    return (p // w - 1) * s.meta[_N] + p % w - 1


@njit(cache=True)
def _seed(seed: int) -> None:
    """Seed numba's random generator."""
    np.random.seed(seed)


@njit(cache=True)
def _playouts(start: _State, count: int, max_moves: int) -> tuple[np.ndarray, np.ndarray]:
    """Black's area margins (no komi) and lengths of `count` random playouts from start."""
    work = _new_state(start.meta[_N])
    w = start.meta[_W]
    stack = np.empty(w * w, np.int64)
    mark = np.zeros(w * w, np.bool_)
    areas = np.empty(count, np.int64)
    lengths = np.empty(count, np.int64)
    for i in range(count):
        _copy_into(work, start)
        lengths[i] = _playout(work, max_moves)
        areas[i] = _area(work, stack, mark)
    return areas, lengths


# ---------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------


def point_name(action: int, size: int) -> str:
    """Name an action as on a Go board, e.g. 24 on 7x7 -> "D4"; pass -> "pass"."""
    if action == size * size:
        return "pass"
    if not 0 <= action < size * size:
        raise ValueError(f"action {action} is not a point of a {size}x{size} board")
    return f"{COLUMNS[action % size]}{action // size + 1}"


def parse_point(name: str, size: int) -> int:
    """Action index of a point name such as "D4" or "pass" (case-insensitive)."""
    text = name.strip().upper()
    if text == "PASS":
        return size * size
    col = COLUMNS.find(text[:1]) if text else -1
    if col < 0 or col >= size or not text[1:].isdigit() or not 1 <= int(text[1:]) <= size:
        raise ValueError(f"{name!r} is not a point of a {size}x{size} board")
    return (int(text[1:]) - 1) * size + col


def symmetry_maps(size: int) -> np.ndarray:
    """The 8 symmetries of the square as action permutations, shape (8, size*size+1).

    ``maps[g, a]`` is the image of action a under symmetry g; pass maps to itself and
    ``maps[0]`` is the identity.
    """
    grid = np.arange(size * size).reshape(size, size)
    maps = np.empty((8, size * size + 1), np.int64)
    for g in range(8):
        img = np.rot90(grid, g % 4)
        if g >= 4:
            img = img.T
        maps[g, img.ravel()] = grid.ravel()
        maps[g, size * size] = size * size
    return maps


@dataclass(frozen=True)
class GoPosition:
    """An immutable Go position: board, player to move, ko point, consecutive passes."""

    size: int
    board: np.ndarray = field(repr=False)  # int8, shape (size*size,), action order
    to_play: int = BLACK
    ko: int = -1  # action index of the point the player to move may not take, or -1
    passes: int = 0
    captured: tuple[int, ...] = ()  # points captured by the move that led here

    def __post_init__(self) -> None:
        """Validate the fields and make the board read-only."""
        if not 2 <= self.size <= MAX_SIZE:
            raise ValueError(f"board size must be 2..{MAX_SIZE}, got {self.size}")
        board = np.array(self.board, dtype=np.int8).reshape(-1)
        if board.size != self.size * self.size or not np.isin(board, (0, 1, 2)).all():
            raise ValueError("board must hold size*size values in {0, 1, 2}")
        if self.to_play not in (BLACK, WHITE):
            raise ValueError("to_play must be BLACK (1) or WHITE (2)")
        board.flags.writeable = False
        object.__setattr__(self, "board", board)

    @classmethod
    def empty(cls, size: int) -> GoPosition:
        """The empty board, Black to play."""
        return cls(size, np.zeros(size * size, np.int8))

    @classmethod
    def from_stones(
        cls,
        size: int,
        black: Sequence[int | str] = (),
        white: Sequence[int | str] = (),
        to_play: int = BLACK,
        ko: int = -1,
    ) -> GoPosition:
        """Set up a position from stones given as action indices or point names."""
        board = np.zeros(size * size, np.int8)
        for colour, stones in ((BLACK, black), (WHITE, white)):
            for stone in stones:
                a = parse_point(stone, size) if isinstance(stone, str) else int(stone)
                if not 0 <= a < size * size or board[a]:
                    raise ValueError(f"bad or repeated stone {stone!r}")
                board[a] = colour
        pos = cls(size, board, to_play, ko)
        if _dead_chains(pos._state()):
            raise ValueError("the stones include a chain without liberties")
        return pos

    def _state(self) -> _State:
        """The numba state of this position."""
        return _setup(self.size, self.board, self.to_play, self.ko, self.passes)

    @property
    def is_over(self) -> bool:
        """True after two consecutive passes."""
        return self.passes >= 2

    @property
    def pass_action(self) -> int:
        """The pass action, size*size."""
        return self.size * self.size

    def legal_mask(self) -> np.ndarray:
        """Boolean mask over the size*size+1 actions; all False when the game is over."""
        if self.is_over:
            return np.zeros(self.size * self.size + 1, bool)
        return _legal_mask(self._state())

    def legal_moves(self) -> np.ndarray:
        """Legal actions (pass included) of the player to move, ascending."""
        return np.flatnonzero(self.legal_mask())

    def play(self, action: int) -> GoPosition:
        """The position after the player to move plays action; ValueError when illegal."""
        if self.is_over:
            raise ValueError("the game is over")
        s = self._state()
        if not 0 <= action <= self.pass_action or _play_action(s, int(action)) < 0:
            raise ValueError(f"illegal move {action} ({self.to_play=})")
        board = _flat(s)
        captured = tuple(int(a) for a in np.flatnonzero((self.board != 0) & (board == 0)))
        return GoPosition(
            self.size,
            board,
            to_play=int(s.meta[_TOPLAY]),
            ko=int(_ko_action(s)),
            passes=int(s.meta[_PASSES]),
            captured=captured,
        )

    def area(self) -> int:
        """Tromp-Taylor area of Black minus area of White (no komi)."""
        w = self.size + 2
        return int(_area(self._state(), np.empty(w * w, np.int64), np.zeros(w * w, bool)))

    def score(self, komi: float) -> float:
        """Tromp-Taylor margin for Black: Black's area - White's area - komi."""
        return self.area() - komi

    def symmetries(self) -> list[int]:
        """Indices g into `symmetry_maps` of the symmetries that map this position to itself."""
        maps = symmetry_maps(self.size)
        keep = []
        for g in range(8):
            image = np.empty_like(self.board)
            image[maps[g, : self.pass_action]] = self.board
            if np.array_equal(image, self.board) and (self.ko < 0 or maps[g, self.ko] == self.ko):
                keep.append(g)
        return keep

    def __str__(self) -> str:
        """Text diagram, Black X, White O, row 1 at the bottom."""
        n = self.size
        rows = []
        for r in range(n - 1, -1, -1):
            cells = ".XO"
            rows.append(f"{r + 1:2d} " + " ".join(cells[v] for v in self.board[r * n : r * n + n]))
        rows.append("   " + " ".join(COLUMNS[:n]))
        return "\n".join(rows)


def default_max_moves(size: int) -> int:
    """Default playout length limit (moves, passes included): 3 * size * size."""
    return 3 * size * size


def _run_playouts(
    position: GoPosition, n: int, seed: int, max_moves: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Black's area margins (no komi) and lengths of n seeded playouts."""
    if n < 0:
        raise ValueError("n must be >= 0")
    limit = default_max_moves(position.size) if max_moves is None else max_moves
    _seed(int(seed) % 2**32)
    return _playouts(position._state(), int(n), int(limit))


def playouts(
    position: GoPosition,
    n: int,
    seed: int,
    komi: float = 0.0,
    max_moves: int | None = None,
) -> np.ndarray:
    """Final score margins for Black (area difference - komi) of n random playouts.

    Reproducible: the same position, n, seed and max_moves give the same array.
    """
    areas, _ = _run_playouts(position, n, seed, max_moves)
    return areas.astype(np.float64) - komi


def playout_lengths(position: GoPosition, n: int, seed: int, max_moves: int | None = None) -> np.ndarray:
    """Lengths in moves (passes included) of the playouts `playouts` makes with the same seed."""
    return _run_playouts(position, n, seed, max_moves)[1]
