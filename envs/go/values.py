"""The `go-values` tool: value every move of a Go position by random playouts, write a JSON table.

Example: ``rlnoise go-values --board 7 --position tengen --komi 9 --playouts 200000 --seed 0
--out envs/go/tables/go7_tengen_komi9.json``. Values are expected final Tromp-Taylor margins,
in points, for the player to move (see `rlnoise.envs.go.evaluator`). `rlnoise.commands.go_values` is its
command-line entry (it checks the output path and writes the file); this module holds the
flags, their checks and the table. It imports only the
standard library at module level, so `rlnoise --help` does not load numba.
"""

from __future__ import annotations

import argparse
import datetime
import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rlnoise.envs.go.evaluator import MoveValues

POSITIONS = ("empty", "tengen")
MIN_BOARD, MAX_BOARD = 2, 19


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the flags of `go-values` to `parser`."""
    parser.add_argument("--board", type=int, default=7, help="board size N (2..19; default 7)")
    parser.add_argument(
        "--position",
        default="tengen",
        help="starting position: 'empty' (Black to play) or 'tengen' (Black stone on the centre "
        "point, White to play; odd N only). Default: tengen",
    )
    parser.add_argument("--komi", type=float, default=9.0, help="komi given to White, in points (default 9)")
    parser.add_argument(
        "--playouts",
        type=int,
        default=200_000,
        help="playouts per equivalence class of moves (>= 2; default 200000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (>= 0; default 0)")
    parser.add_argument(
        "--max-moves",
        type=int,
        default=None,
        help="playout length limit in moves, passes included (default 3*N*N)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON table to this file")
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def check(args: argparse.Namespace) -> None:
    """Raise a ValueError that names the first problem with the flags, if any."""
    if not MIN_BOARD <= args.board <= MAX_BOARD:
        raise ValueError(f"--board must be between {MIN_BOARD} and {MAX_BOARD}, got {args.board}")
    if args.position not in POSITIONS:
        raise ValueError(f"unknown --position {args.position!r}; valid: {', '.join(POSITIONS)}")
    if args.position == "tengen" and args.board % 2 == 0:
        raise ValueError(f"--position tengen needs an odd --board (a centre point), got {args.board}")
    if args.playouts < 2:
        raise ValueError(f"--playouts must be at least 2, got {args.playouts}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.max_moves is not None and args.max_moves < 1:
        raise ValueError(f"--max-moves must be >= 1, got {args.max_moves}")
    if not abs(args.komi) <= args.board**2:  # also refuses nan: no margin exceeds the board's points
        raise ValueError(f"--komi must be within ±{args.board**2} (the board's points), got {args.komi}")


def _command_line(args: argparse.Namespace) -> str:
    """A command line that regenerates the table."""
    words = ["rlnoise", "go-values", "--board", str(args.board), "--position", args.position]
    words += ["--komi", f"{args.komi:g}", "--playouts", str(args.playouts), "--seed", str(args.seed)]
    if args.max_moves is not None:
        words += ["--max-moves", str(args.max_moves)]
    if args.out is not None:
        words += ["--out", str(args.out)]
    return shlex.join(words)


def _number(x: float) -> float | None:
    """JSON-safe float: NaN becomes None."""
    return None if math.isnan(x) else round(float(x), 6)


def values_table(result: MoveValues, args: argparse.Namespace) -> dict:
    """The JSON table of an evaluation made with these flags."""
    from rlnoise.envs.go.engine import BLACK, ENGINE_VERSION, point_name

    pos = result.position
    n = pos.size
    names = [point_name(a, n) for a in range(n * n + 1)]
    colour = "black" if pos.to_play == BLACK else "white"
    best = result.best_set(0.5)
    return {
        "board_size": n,
        "position": {
            "name": args.position,
            "black": [names[a] for a in range(n * n) if pos.board[a] == 1],
            "white": [names[a] for a in range(n * n) if pos.board[a] == 2],
        },
        "to_play": colour,
        "komi": args.komi,
        "rules": "Tromp-Taylor area scoring, suicide illegal, simple ko, no superko",
        "values_are": f"expected final score margin in points for the player to move ({colour}),"
        " after the move, from random playouts; standard error = sample std / sqrt(playouts)",
        "playout_policy": "uniform random among legal moves that do not fill the mover's own eye "
        "(orthogonal neighbours own stones or edge; at most one enemy diagonal, none on the edge); "
        "pass when none; ends after two consecutive passes or max_moves moves",
        "playouts_per_move": result.playouts_per_move,
        "max_moves": result.max_moves,
        "seed": args.seed,
        "command": _command_line(args),
        "engine": ENGINE_VERSION,
        "action_numbering": "action = row * N + col, row 0 = Go row 1, col 0 = column A; pass = N*N",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "values": [_number(v) for v in result.values],
        "stderr": [_number(v) for v in result.stderr],
        "by_point": {
            names[a]: {"action": a, "value": _number(result.values[a]), "stderr": _number(result.stderr[a])}
            for a in range(n * n + 1)
            if not math.isnan(result.values[a])
        },
        "classes": [[names[a] for a in members] for members in result.classes],
        "best_within_0.5": [names[a] for a in best],
    }


def value_position(args: argparse.Namespace) -> dict:
    """Evaluate the position, print the values by class, and return the table.

    The flags must have passed `check`.
    """
    from tqdm import tqdm

    from rlnoise.envs.go.evaluator import move_classes, named_position, value_moves

    position = named_position(args.position, args.board)
    n_classes = len(move_classes(position))
    with tqdm(total=n_classes * args.playouts, unit="playout", disable=args.no_progress) as bar:
        result = value_moves(position, args.komi, args.playouts, args.seed, args.max_moves, bar.update)
    data = values_table(result, args)
    for members in data["classes"]:
        entry = data["by_point"][members[0]]
        print(f"{' '.join(members):<40s} {entry['value']:+9.3f} +- {entry['stderr']:.3f}")
    print(f"best within 0.5 points: {' '.join(data['best_within_0.5'])}")
    return data
