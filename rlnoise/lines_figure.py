"""The theory lines drawn (`lines.png`): one panel per line an environment declares, every series
of it on its axis with 95% intervals, the theory's values dashed, the fit dotted and the crossing
of one half marked (`rlnoise.lines` is the analysis it draws). Text of 8 pt or more, legends beside
the axes.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from rlnoise.crossings import HALF
from rlnoise.phase import value_label
from rlnoise.pictures.canvas import FONT, new_figure, pixels

ANCHOR_STYLES = ("-.", (0, (5, 2, 1, 2)), (0, (1, 1)))
"""The anchors' line styles, in grey, in their order."""
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": FONT, "frameon": False}


def lines_picture(analysed: list[dict[str, Any]], title: str) -> np.ndarray:
    """`lines_figure` rendered as an RGB image."""
    return pixels(lines_figure(analysed, title))


def lines_figure(analysed: list[dict[str, Any]], title: str) -> Any:
    """One panel per theory line, in a column."""
    figure, axes = new_figure(len(analysed), 1, (5.5, 3.2), left=0.8, right=3.8, top=1.0)
    for ax, line in zip(axes[:, 0], analysed, strict=True):
        _line(ax, line)
    figure.suptitle(title, fontsize=12)
    return figure


def series_label(series: dict[str, Any]) -> str:
    """A series' agent and the values of the other settings it is drawn at."""
    return series["agent"] + "".join(f", {name} {value_label(value)}" for name, value in series["at"].items())


def _line(ax: Any, line: dict[str, Any]) -> None:
    """Every series of one line (`_series`), the anchors' slopes, the scales and the labels."""
    xs_all, ys_all = [], []
    for colour, series in enumerate(line["series"]):
        xs, ys = _series(ax, series, f"C{colour}", len(line["series"]) > 1)
        xs_all += xs
        ys_all += ys
    positive = [x for x in xs_all if x > 0]
    if positive:
        grid = np.geomspace(min(positive), max(positive), 50)
        for (label, slope), style in zip(line["anchors"], ANCHOR_STYLES, strict=False):
            ax.plot(grid, slope * grid, linestyle=style, color="grey", linewidth=1, label=label)
    if positive and len(positive) == len(xs_all) and max(positive) / min(positive) >= 20:
        ax.set_xscale("log")
        if line["anchors"] and ys_all and min(ys_all) > 0:
            ax.set_yscale("log")  # the anchors' lines y = b x stay straight
    if line["figure"].endswith("_step") and ys_all and min(ys_all) > 0:
        ax.set_yscale("log")
    ax.set_xlabel(line["axis"], fontsize=FONT)
    play = "" if line["play"] is None else f" ({line['play']})"
    ax.set_ylabel(f"{line['figure']}{play}", fontsize=FONT)
    ax.set_title("\n".join(textwrap.wrap(line["statement"], 80)), fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**LEGEND)


def _series(ax: Any, series: dict[str, Any], colour: str, several: bool) -> tuple[list[float], list[float]]:
    """One series: measured with its interval, predicted, fitted, its crossing; the points drawn."""
    shown = [
        point
        for point in series["points"]
        if point["measured"] is not None and math.isfinite(point["measured"])
    ]
    xs, ys = [point["x"] for point in shown], [point["measured"] for point in shown]
    bounds = [
        [y if b is None or not math.isfinite(b) else b for b in p["interval"]]
        for y, p in zip(ys, shown, strict=True)
    ]
    low = [y - bound[0] for y, bound in zip(ys, bounds, strict=True)]
    high = [bound[1] - y for y, bound in zip(ys, bounds, strict=True)]  # an unbounded wait: no bar above
    ax.errorbar(
        xs, ys, yerr=[low, high], fmt="o-", color=colour, markersize=4, capsize=2,
        label=f"{series_label(series)} (95%)",
    )  # fmt: skip
    predicted = [
        (point["x"], point["predicted"]) for point in series["points"] if point["predicted"] is not None
    ]
    if predicted:
        label = f"theory, {series_label(series)}" if several else "theory"
        ax.plot(*zip(*predicted, strict=True), "--", color=colour, linewidth=1.2, label=label)
    if "fit" in series and series["fit"]["value"] is not None and xs:
        _fit(ax, series["fit"], xs, ys, colour)
    crossing = series.get("crossing")
    if crossing is not None and crossing["measured"] is not None:
        at = crossing["measured"]
        low_x, high_x = (at if v is None else v for v in crossing["interval"])
        ax.errorbar(
            at, HALF, xerr=[[at - low_x], [high_x - at]], fmt="kx", markersize=7, capsize=3,
            label="measured crossing of 1/2 (95%)",
        )  # fmt: skip
        if crossing["predicted"] is not None:
            ax.axvline(
                crossing["predicted"], color="black", linestyle=":", linewidth=1, label="predicted crossing"
            )
    return xs, ys


def _fit(ax: Any, fit: dict[str, Any], xs: list[float], ys: list[float], colour: str) -> None:
    """The fitted line across the measured range, labelled with its slope and interval."""
    low, high = fit["interval"]
    bounds = "" if low is None else f" [{low:.3g}, {high:.3g}]"
    bounds += "" if fit.get("predicted") is None else f"; theory {fit['predicted']:.3g}"
    grid = np.linspace(min(xs), max(xs), 50)
    if fit["kind"] == "proportional":
        ax.plot(
            grid, fit["value"] * grid, ":", color=colour, label=f"fit y = b x: b = {fit['value']:.3g}{bounds}"
        )
        return
    kept = [(x, y) for x, y in zip(xs, ys, strict=True) if y > 0]
    x, y = np.array(kept).T
    intercept = float(np.mean(np.log(y)) - fit["value"] * np.mean(x))
    ax.plot(
        grid, np.exp(intercept + fit["value"] * grid), ":", color=colour,
        label=f"fit log y = a + b x: b = {fit['value']:.3g}{bounds}",
    )  # fmt: skip
