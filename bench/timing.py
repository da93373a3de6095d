"""Timing shared by the benchmark scripts: the sides of a comparison timed in alternation.

The machine a bench runs on may be shared, so one sample says little. `alternate` times every
side once per round, the sides in turn (A B A B ... over `rounds` rounds), and records the load
average beside each sample; a script prints each figure as its median and range over the
rounds with the load of those samples (`figure`), and each ratio as the median and range of its
per-round ratios (`ratio`: a round's sides ran at nearly the same time, so the ratio survives a
drifting load).

A side returns its figures by name (seconds, or a rate), so that one process can report its
imports and one-time start-up apart from its steady work. `process_seconds` times a command
as a fresh process from outside; `fresh_figures` runs a command that prints its own figures as
the JSON object of its last line, and adds its wall seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym

Figures = dict[str, float]
"""One side's figures of one round, by name."""


def load_average() -> float:
    """The machine's load average over the last minute."""
    return os.getloadavg()[0]


def alternate(sides: dict[str, Callable[[], Figures]], rounds: int) -> dict[str, list[Figures]]:
    """Each side's figures, one per round, the sides timed in turn; each with its `load`."""
    samples: dict[str, list[Figures]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            load = load_average()
            figures = side()
            samples[name].append({**figures, "load": max(load, load_average())})
    return samples


def spread(values: list[float], digits: int = 2) -> str:
    """`median [min-max]` of `values`."""
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def figure(samples: list[Figures], name: str, digits: int = 2) -> str:
    """A figure's median and range over the rounds, with the load of its samples."""
    values = [sample[name] for sample in samples]
    return f"{spread(values, digits)} (load {spread([sample['load'] for sample in samples], 1)})"


def ratio(top: list[Figures], bottom: list[Figures], name: str, other: str | None = None) -> str:
    """The median and range of the per-round ratios of `name` in `top` to `other` (or `name`) in `bottom`."""
    return spread([a[name] / b[other or name] for a, b in zip(top, bottom, strict=True)])


def process_seconds(command: list[str], cwd: Path | None = None) -> Figures:
    """The wall seconds of `command` as a fresh process, from its start to its exit."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return {"wall": time.perf_counter() - start}


def fresh_figures(command: list[str], cwd: Path | None = None) -> Figures:
    """The figures `command` prints as the JSON object of its last line, and its wall seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": wall}


def vector_steps_per_second(vector: gym.vector.VectorEnv, seconds: float) -> float:
    """Environment steps per second of `vector` stepping random actions for about `seconds`."""
    vector.reset(seed=0)
    vector.action_space.seed(0)
    batches = [vector.action_space.sample() for _ in range(10)]
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for actions in batches:
            vector.step(actions)
        steps += len(batches) * vector.num_envs
    return steps / (time.perf_counter() - start)
