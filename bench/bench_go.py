"""Benchmark of the Go engine beside OpenSpiel: the cost of a move, each engine driven the same way.

Run: ``python bench/bench_go.py [--seconds S] [--rounds 3]``. Single-threaded; the sides are timed
in turn, round after round (`bench/timing.py`), each figure printed as its median and range over
the rounds with the load average of its samples. After one untimed game of each (imports, the
numba cache), per board size:

- engine and OpenSpiel, the same driving and the same policy: random games from the empty board
  played move by move from Python, each move drawn uniformly among the legal moves (the pass
  included; eyes may be filled), to two passes or `3*N*N` moves: `GoPosition.legal_mask` and
  `GoPosition.play` (`rlnoise.envs.go.engine`) against `pyspiel`'s `legal_actions` and
  `apply_action` (``max_game_length`` `3*N*N`). Printed: moves per second of each, their mean game
  lengths, and the ratio of the moves per second. Both pay Python's driving, and the engine
  copies its position at every move (`GoPosition` is immutable);
- the engine's own inner loop, which OpenSpiel has no counterpart of: its compiled playouts
  (`playouts`, 1,000 per call, uniform among the legal moves that do not fill the player's own
  eye), moves per second and mean length. Not comparable with the rows above: another policy,
  and no Python between moves.

Then the GoOpening-v0 environment's steps per second (see `bench_go_env.py` for both reward sources).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from functools import partial

from bench_go_env import go_env_figures
from timing import Figures, alternate, figure, ratio

SIZES = (5, 7, 9)


def python_driven(new_game: Callable[[], object], legal: Callable, play: Callable, over: Callable):
    """A side that plays random games for `seconds`, move by move: its moves/s and mean length."""

    def games(seconds: float) -> Figures:
        rng = random.Random(0)
        count = moves = 0
        start = time.perf_counter()
        while count == 0 or time.perf_counter() - start < seconds:  # one game at least
            state, played = new_game(), 0
            while not over(state, played):
                state = play(state, rng.choice(legal(state)))
                played += 1
            count, moves = count + 1, moves + played
        return {"moves/s": moves / (time.perf_counter() - start), "length": moves / count}

    return games


def engine_side(size: int):
    """The engine driven from Python: `GoPosition.legal_mask` and `GoPosition.play`."""
    import numpy as np

    from rlnoise.envs.go.engine import GoPosition

    limit = 3 * size * size
    return python_driven(
        lambda: GoPosition.empty(size),
        lambda position: np.flatnonzero(position.legal_mask()).tolist(),
        lambda position, action: position.play(action),
        lambda position, played: position.is_over or played >= limit,
    )


def openspiel_side(size: int):
    """OpenSpiel driven from Python: `legal_actions` and `apply_action`."""
    import pyspiel

    game = pyspiel.load_game("go", {"board_size": size, "komi": 7.5, "max_game_length": 3 * size * size})

    def play(state, action):
        state.apply_action(action)
        return state

    return python_driven(game.new_initial_state, lambda state: state.legal_actions(), play,
                         lambda state, played: state.is_terminal())  # fmt: skip


def compiled_playouts(size: int, seconds: float) -> Figures:
    """The engine's compiled playouts from the empty board for `seconds`: moves/s and mean length."""
    from rlnoise.envs.go.engine import GoPosition, playout_lengths

    position, done, seed = GoPosition.empty(size), 0, 0
    length = float(playout_lengths(position, 2000, seed=0).mean())
    start = time.perf_counter()
    while seed == 0 or time.perf_counter() - start < seconds:  # one call at least
        seed += 1
        done += len(playout_lengths(position, 1000, seed=seed))
    return {"moves/s": done * length / (time.perf_counter() - start), "length": length}


def main() -> None:
    """Print the figures for every board size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per figure and round (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    args = parser.parse_args()
    print(f"moves per second, median [range] (load average) over {args.rounds} rounds")
    for size in SIZES:
        engine, spiel = engine_side(size), openspiel_side(size)
        engine(0.0), spiel(0.0), compiled_playouts(size, 0.0)  # imports, numba's cache: one game each
        samples = alternate(
            {
                "engine": partial(engine, args.seconds),
                "openspiel": partial(spiel, args.seconds),
                "compiled": partial(compiled_playouts, size, args.seconds),
            },
            args.rounds,
        )
        print(f"{size}x{size}  same driving and policy: engine {figure(samples['engine'], 'moves/s', 0)} "
              f"({samples['engine'][0]['length']:.1f} moves a game), OpenSpiel "
              f"{figure(samples['openspiel'], 'moves/s', 0)} ({samples['openspiel'][0]['length']:.1f}), "
              f"engine/OpenSpiel {ratio(samples['engine'], samples['openspiel'], 'moves/s')}x")  # fmt: skip
        print(f"      engine's compiled playouts (its own rule, no Python between moves): "
              f"{figure(samples['compiled'], 'moves/s', 0)} ({samples['compiled'][0]['length']:.1f} "
              "moves a game)")  # fmt: skip
    figures = go_env_figures("GoOpening-v0", 1024, args.seconds, "table")
    print(
        f"GoOpening-v0 env steps/s (table reward, one sample): single {figures['single']:,.0f}, native "
        f"vector {figures['native']:,.0f} and SyncVectorEnv {figures['sync']:,.0f} at 1024 copies"
    )


if __name__ == "__main__":
    main()
