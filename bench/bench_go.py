"""Benchmark of the Go engine: playouts per second beside OpenSpiel's random games per second.

Run: ``python bench/bench_go.py [--seconds S]``. One figure per function; every figure is
timed in the same run, single-threaded, so compare figures of one run only.

- engine: complete random playouts from the empty board (uniform among non-eye-filling legal
  moves, to two passes or 3*N*N moves), `rlnoise.envs.go.engine.playouts`;
- OpenSpiel: `pyspiel` Go states played to the end from Python with uniform random legal
  actions (eyes may be filled), ``max_game_length`` 3*N*N to match the engine's limit;
- the GoOpening-v0 environment's steps per second (see `bench_go_env.py` for both reward modes).
"""

from __future__ import annotations

import argparse
import random
import time

from bench_go_env import go_env_figures

SIZES = (5, 7, 9)


def engine_playouts_per_second(size: int, seconds: float) -> tuple[float, float]:
    """Complete engine playouts per second on an empty size x size board, and their mean length."""
    from rlnoise.envs.go.engine import GoPosition, playout_lengths, playouts

    position = GoPosition.empty(size)
    playouts(position, 10, seed=0)  # compile or load the numba cache outside the timing
    batch, done, seed = 1000, 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        seed += 1
        playouts(position, batch, seed=seed)
        done += batch
    rate = done / (time.perf_counter() - start)
    return rate, float(playout_lengths(position, 2000, seed=0).mean())


def openspiel_games_per_second(size: int, seconds: float) -> tuple[float, float]:
    """OpenSpiel random games per second, and their mean length in moves."""
    import pyspiel

    game = pyspiel.load_game("go", {"board_size": size, "komi": 7.5, "max_game_length": 3 * size * size})
    rng = random.Random(0)
    games = moves = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        state = game.new_initial_state()
        while not state.is_terminal():
            state.apply_action(rng.choice(state.legal_actions()))
            moves += 1
        games += 1
    return games / (time.perf_counter() - start), moves / games


def main() -> None:
    """Print the figures for every board size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per figure (default 3)")
    seconds = parser.parse_args().seconds
    print(
        f"{'board':>5} {'engine playouts/s':>18} {'moves':>6} {'OpenSpiel games/s':>18} {'moves':>6}"
        f" {'games ratio':>11} {'moves/s ratio':>13}"
    )
    for size in SIZES:
        engine, engine_length = engine_playouts_per_second(size, seconds)
        spiel, spiel_length = openspiel_games_per_second(size, seconds)
        print(
            f"{size:>3}x{size} {engine:>18,.0f} {engine_length:>6.1f} {spiel:>18,.0f} {spiel_length:>6.1f}"
            f" {engine / spiel:>10.1f}x {engine * engine_length / (spiel * spiel_length):>12.1f}x"
        )
    figures = go_env_figures("GoOpening-v0", 1024, seconds, "table")
    print(
        f"GoOpening-v0 env steps/s (table reward): single {figures['single']:,.0f}, native vector "
        f"{figures['native']:,.0f} and SyncVectorEnv {figures['sync']:,.0f} at 1024 copies"
    )


if __name__ == "__main__":
    main()
