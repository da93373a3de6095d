"""A sweep's theory lines: each figure an environment declares a `rlnoise.contract.Line` for,
measured at every point over its runs, beside the value theory gives (docs/design.md section 9).

A line runs along the sweep's first varied setting, or along its own axis (`Line.against`: the
noise scale lr / B, the keys per input dimension), one series for each agent and each value of
the other varied settings but those the line pools (`Line.pool`: the table drawn). Points of a
series at the same place on the axis are pooled. At each place:

- `measured`: the mean of the runs' figure, with a 95% percentile-bootstrap interval over the runs
  (it stays inside the values' range); for a time to an event (`NAME_step`, the step at which the
  env's figure first reached one half), the mean waiting time of an exponential wait (Kramers'
  escape) from censored runs: the steps all runs watched over the events seen, infinite with none;
- `predicted`: the line's `predict` at the point's settings, with the means over its runs of
  `parameters` (the policy's trainable scalars) and `bottleneck_kl_bits` (`MEASURED`).

A series with a `fit` gets its slope with a 95% bootstrap interval (runs resampled within each
place): `proportional`, `y = b x` by least squares through zero (bits per parameter);
`exponential`, `log y = a + b x` (Kramers' straight line). With `crossing`, where the measured
share crosses one half, interpolated, with its bootstrap interval, and where the predicted one does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from rlnoise.crossings import crossings
from rlnoise.grid.spec import Grid, numeric, with_settings
from rlnoise.phase import axis_label

SATURATED = 0.8
"""A proportional fit leaves out the places measured above this share of their prediction (a ceiling)."""
RESAMPLES = 2000
"""Bootstrap resamples of a line's points, fits and crossings."""
EVENT = "_step"
"""The suffix of a run figure that is a time to an event, None for a run in which it did not happen."""

MEASURED = ("parameters", "bottleneck_kl_bits")
"""The run figures a line's prediction may read from its point's settings (means over the runs)."""

Sample = tuple[float | None, float]
"""One run's figure (None: not measured, or for a time to an event, not reached) and its steps."""


def declared_lines(grid: Grid) -> list[Any]:
    """The theory lines the environment declares."""
    from rlnoise.contract import lines
    from rlnoise.environments import make_env

    return list(lines(make_env(grid.base.env_id, grid.base.env_kwargs)))


def is_event(line: Any) -> bool:
    """Whether the line's figure is a time to an event (`NAME_step`), None in a run without it."""
    return line.play is None and line.figure.endswith(EVENT)


def run_sample(item: dict[str, Any], line: Any) -> Sample | None:
    """A finished run's figure for `line` and its steps, or None when the run has not finished or
    does not measure it."""
    if item.get("status") != "finished":
        return None
    if line.play is None:
        figures = item.get("figures") or {}
        if line.figure not in figures:
            return None  # not measured (a time to an event that did not happen is there, as None)
        value = figures[line.figure]
    else:
        play = item.get(line.play, {})
        value = play.get("env_figures", {}).get(line.figure, play.get(line.figure))
    return (None if value is None else float(value)), float(item.get("global_step") or 0)


def measured_means(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    """The mean over `runs` of each run figure a line's prediction may use (`parameters`,
    `bottleneck_kl_bits`), None where none measured it."""
    means: dict[str, float | None] = {}
    for name in MEASURED:
        values = [(item.get("figures") or {}).get(name) for item in runs]
        values = [value for value in values if value is not None]
        means[name] = float(np.mean(values)) if values else None
    return means


def converged_count(flags: list[bool | None]) -> dict[str, str]:
    """`converged`: how many of a place's runs judged their figure converged, as `k/n`, where the
    runs judge it (`rlnoise.capacity.convergence`: a run that has not is marked, never hidden)."""
    return {"converged": f"{sum(flag is True for flag in flags)}/{len(flags)}"} if flags else {}


def estimate(samples: list[Sample], event: bool) -> float:
    """The runs' mean figure; for a time to an event, the steps watched over the events seen."""
    if event:
        seen = sum(value is not None for value, _ in samples)
        watched = sum(horizon if value is None else value for value, horizon in samples)
        return watched / seen if seen else math.inf
    values = [value for value, _ in samples if value is not None and math.isfinite(value)]
    return float(np.mean(values)) if values else math.nan


def resampled(places: list[list[Sample]], rng: np.random.Generator) -> list[list[Sample]]:
    """The runs of each place drawn again with replacement."""
    return [[samples[i] for i in rng.integers(len(samples), size=len(samples))] for samples in places]


def percentile(values: list[float]) -> list[float | None]:
    """The 95% percentile interval of the values that are numbers (None, None without any); an
    infinite draw (a resample of censored runs without an event: an unbounded wait) is kept, so
    an interval reaches infinity when more than 2.5% of the draws do."""
    kept = np.array([value for value in values if not math.isnan(value)])
    if not kept.size:
        return [None, None]
    method = "nearest" if np.isinf(kept).any() else "linear"  # interpolating towards inf gives nan
    low, high = np.percentile(kept, [2.5, 97.5], method=method)
    return [float(low), float(high)]


def fitted(kind: str, xs: list[float], places: list[list[Sample]], event: bool) -> float:
    """The slope of the `kind` fit of the places' estimates (nan with fewer than two usable)."""
    ys = [estimate(samples, event) for samples in places]
    kept = [
        (x, y) for x, y in zip(xs, ys, strict=True) if math.isfinite(y) and (kind != "exponential" or y > 0)
    ]
    if len(kept) < 2:
        return math.nan
    x, y = np.array(kept).T
    if kind == "proportional":
        return float(np.dot(x, y) / np.dot(x, x))
    return float(np.polyfit(x, np.log(y), 1)[0])


def first_crossing(xs: list[float], ys: list[float]) -> float | None:
    """Where `ys` first crosses one half along `xs`, interpolated, or None."""
    found = crossings(xs, [y if math.isfinite(y) else None for y in ys], False)
    return found[0] if found else None


def with_intervals(
    statistic: Callable[[list[list[Sample]]], float | None], places: list[list[Sample]]
) -> dict[str, Any]:
    """`statistic` of the places and its 95% bootstrap interval (runs resampled within each place)."""
    rng = np.random.default_rng(0)
    value = statistic(places)
    draws = [statistic(resampled(places, rng)) for _ in range(RESAMPLES)] if value is not None else []
    return {"value": value, "interval": percentile([draw for draw in draws if draw is not None])}


def series_of(
    grid: Grid, records: list[dict[str, Any]], line: Any
) -> dict[tuple[Any, ...], dict[float, Any]]:
    """The line's places per series (agent, the other settings' values): each place's runs and
    the predictions at its points."""
    from rlnoise.environments import make_env

    first, envs, event = grid.axes[0].name, {}, is_event(line)
    grouped: dict[tuple[Any, ...], dict[float, Any]] = {}
    for point in grid.points():
        config = with_settings(grid.base, point)
        key_of_env = repr(sorted(config.env_kwargs.items()))
        env = envs.setdefault(key_of_env, make_env(config.env_id, config.env_kwargs).unwrapped)
        rest = tuple(
            (name, value) for name, value in point.items() if name != first and name not in line.pool
        )
        for agent in grid.agents:
            runs = [item for item in records if item.get("settings") == point and item["agent"] == agent]
            found = [run_sample(item, line) for item in runs]
            samples = [sample for sample in found if sample is not None and (event or sample[0] is not None)]
            settings = {**asdict(config), "agent": agent, **measured_means(runs)}
            x = line.against[1](env, settings) if line.against is not None else point[first]
            if x is None or not math.isfinite(x):
                continue  # off the line's axis (no parameters yet, 1 / 0)
            predicted = line.predict(env, settings) if line.predict is not None else None
            slope = line.slope(env, settings) if line.slope is not None else None
            empty = {"samples": [], "predicted": [], "slopes": [], "converged": []}
            place = grouped.setdefault((agent, rest), {}).setdefault(float(x), empty)
            place["samples"] += samples
            place["converged"] += [
                (item.get("figures") or {})["converged"]
                for item in runs
                if item.get("status") == "finished" and "converged" in (item.get("figures") or {})
            ]
            place["predicted"].append(predicted)
            place["slopes"].append(slope)
    return grouped


def series_entry(line: Any, places: dict[float, Any], event: bool) -> dict[str, Any]:
    """One series: each place measured with its interval and predicted, the fit, the crossing."""
    xs = sorted(places)
    runs = [places[x]["samples"] for x in xs]
    predicted = [
        None if None in places[x]["predicted"] else float(np.mean(places[x]["predicted"])) for x in xs
    ]
    points = []
    for x, samples, value in zip(xs, runs, predicted, strict=True):
        interval = with_intervals(lambda p: estimate(p[0], event), [samples])["interval"] if samples else None
        points.append(
            {
                "x": x,
                "runs": len(samples),
                "measured": estimate(samples, event) if samples else None,
                "interval": interval or [None, None],
                "predicted": value,
                **converged_count(places[x]["converged"]),
            }
        )
    entry: dict[str, Any] = {"points": points}
    filled = [(x, samples) for x, samples in zip(xs, runs, strict=True) if samples]
    fx, fruns = [x for x, _ in filled], [samples for _, samples in filled]
    below = [
        (x, samples)
        for (x, samples), point in zip(filled, (p for p in points if p["runs"]), strict=True)
        if point["predicted"] is None or point["measured"] <= SATURATED * point["predicted"]
    ]
    if line.fit == "proportional" and len(below) >= 2:
        bx, bruns = [x for x, _ in below], [samples for _, samples in below]
        entry["fit"] = {"kind": line.fit, **with_intervals(lambda p: fitted(line.fit, bx, p, event), bruns)}
        entry["fit"]["places"] = len(below)
    elif line.fit == "exponential" and len(filled) >= 2:
        entry["fit"] = {"kind": line.fit, **with_intervals(lambda p: fitted(line.fit, fx, p, event), fruns)}
        entry["fit"]["places"] = len(filled)
    slopes = [slope for x in xs for slope in places[x]["slopes"] if slope is not None]
    if "fit" in entry:
        entry["fit"]["predicted"] = float(np.mean(slopes)) if slopes else None
    if line.crossing and len(filled) >= 2:
        measured = with_intervals(lambda p: first_crossing(fx, [estimate(s, event) for s in p]), fruns)
        given = [(x, y) for x, y in zip(xs, predicted, strict=True) if y is not None]
        entry["crossing"] = {
            "measured": measured["value"],
            "interval": measured["interval"],
            "predicted": first_crossing(*map(list, zip(*given, strict=True))) if len(given) >= 2 else None,
        }
    return entry


def analyse_line(grid: Grid, records: list[dict[str, Any]], line: Any) -> dict[str, Any]:
    """The line's figure, play, statement, axis and series (`series_entry`, with its agent and
    the other settings' values)."""
    event = is_event(line)
    return {
        "figure": line.figure,
        "play": line.play,
        "statement": line.statement,
        "axis": line.against[0] if line.against is not None else axis_label(grid.axes[0].name),
        "anchors": [list(anchor) for anchor in line.anchors],
        "series": [
            {"agent": agent, "at": dict(rest), **series_entry(line, places, event)}
            for (agent, rest), places in series_of(grid, records, line).items()
        ],
    }


def analyse_lines(grid: Grid, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every declared line of the sweep's environment that the sweep measures at two places or
    more along its axis (a numeric first setting, or the line's own axis)."""
    if not grid.axes:
        return []
    numeric_axis = numeric(list(grid.values()[0]))
    analysed = [
        analyse_line(grid, records, line)
        for line in declared_lines(grid)
        if line.against is not None or numeric_axis
    ]
    measured = [
        line
        for line in analysed
        if any(sum(point["runs"] > 0 for point in series["points"]) >= 2 for series in line["series"])
    ]
    return measured
