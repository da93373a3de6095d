"""compare's figure: each agent's picture above its figures over seeds and its outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rlnoise.metrics import EVALUATIONS
from rlnoise.pictures.canvas import DPI, FONT, new_figure, pixels

MAX_WIDTH = 16.0
"""The widest compare's figure gets, in inches at `DPI` (1280 pixels): wider pictures are shrunk."""


def results_picture(
    pictures: Mapping[str, np.ndarray],
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    title: str,
) -> np.ndarray:
    """`results_figure` rendered as an RGB image."""
    return pixels(results_figure(pictures, summary, title))


def results_figure(
    pictures: Mapping[str, np.ndarray],
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    title_text: str,
) -> Any:
    """Each agent's picture side by side, above its figures over seeds (mean with its 95%
    percentile-bootstrap interval, each seed) and every seed's outcomes (one stacked bar per seed).

    `summary[agent][play]["figures"][figure]` holds `mean`, `interval` and `values` (one per seed);
    `summary[agent][play]["outcome_shares"][seed]` the share of start states in each outcome.
    The return, in the environment's own units, gets its own axes beside the others, in [0, 1].
    No text is smaller than `FONT` points.
    """
    from matplotlib.gridspec import GridSpec

    widths = [image.shape[1] / DPI for image in pictures.values()] or [8.0]
    heights = [image.shape[0] / DPI for image in pictures.values()] or [0.1]
    shrink = min(1.0, MAX_WIDTH / sum(widths))  # pictures side by side fit MAX_WIDTH
    width, top = max(shrink * sum(widths), 12.0), shrink * max(heights)
    bars = [(agent, play) for agent in summary for play in summary[agent]]
    seeds = max(len(summary[agent][play]["outcome_shares"]) for agent, play in bars)
    # inches from the top: title, pictures, figures (their names below), outcomes (groups below)
    title, figures_height, outcomes_height, gap, below = 0.55, 3.0, 3.9, 1.0, 0.7
    height = title + top + 0.3 + figures_height + gap + outcomes_height + below
    figure, _ = new_figure(1, 1, (width, height), left=0, right=0)
    figure.clear()

    def band(start: float, size: float) -> dict[str, float]:
        """A GridSpec's top and bottom for a band of the figure, inches from its top."""
        return {"top": 1 - start / height, "bottom": 1 - (start + size) / height}

    if pictures:
        _pictures_row(figure, pictures, shrink * sum(widths) / width, band(title, top))
    names = list(summary[bars[0][0]][bars[0][1]]["figures"])
    margins = {"left": 0.7 / width, "right": 1 - 2.4 / width}  # the legends beside
    row = GridSpec(1, 2, figure=figure, width_ratios=(1.2, len(names) - 1), wspace=0.12,
                   **margins, **band(title + top + 0.3, figures_height))  # fmt: skip
    axes = [figure.add_subplot(row[0, i]) for i in range(2)]
    for ax, shown in zip(axes, (names[:1], names[1:]), strict=True):
        _figure_bars(ax, summary, bars, shown)
    axes[0].set_ylabel("return (the env's units)", fontsize=FONT)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_ylabel("figure (0 to 1)", fontsize=FONT)
    axes[1].set_title(
        "mean [95% percentile-bootstrap interval] over seeds (dots: each seed; n/a: undefined)",
        fontsize=FONT + 1,
    )
    handles, labels = axes[1].get_legend_handles_labels()
    axes[1].legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT, frameon=False
    )
    used = min(1.0, 0.3 * len(summary) * (seeds + 1) / (width - 3.1))  # about 0.3 inch per bar
    rows = GridSpec(len(EVALUATIONS), 2, figure=figure, width_ratios=(used, 1 - used), wspace=0, hspace=0.9,
                    **margins, **band(title + top + 0.3 + figures_height + gap, outcomes_height))  # fmt: skip
    for number, play in enumerate(EVALUATIONS):
        _outcome_bars(figure.add_subplot(rows[number, 0]), summary, play)
    figure.suptitle(title_text, fontsize=12, y=1 - 0.12 / height, va="top")
    return figure


def _pictures_row(
    figure: Any, pictures: Mapping[str, np.ndarray], used: float, band: dict[str, float]
) -> None:
    """The agents' pictures at their own size (or shrunk alike to fit), side by side, centred in the
    share `used` of the figure's width, in the band `band` (a GridSpec's top and bottom)."""
    from matplotlib.gridspec import GridSpec

    widths = [image.shape[1] / DPI for image in pictures.values()]
    row = GridSpec(1, len(pictures), figure=figure, width_ratios=widths, wspace=0,
                   left=(1 - used) / 2, right=(1 + used) / 2, **band)  # fmt: skip
    for column, image in enumerate(pictures.values()):  # each picture is titled with its run
        ax = figure.add_subplot(row[0, column])
        ax.imshow(image, interpolation="none")
        ax.axis("off")


OUTCOME_COLOURS = {
    "averaged": "#d62728",
    "diffuse": "#7f7f7f",
    "committed": "#1f77b4",
    "mixed": "#bcbd22",
    "covering": "#2ca02c",
}


def _outcome_bars(ax: Any, summary: Mapping[str, Any], play: str) -> None:
    """Every seed's outcomes in one evaluation: one stacked bar per seed (the share of its start
    states in each outcome), grouped by agent, so a seed that behaves differently stands out."""
    from matplotlib.transforms import blended_transform_factory

    below = blended_transform_factory(ax.transData, ax.transAxes)
    positions, labels, start = [], [], 0.0
    for agent in summary:
        per_seed = summary[agent][play]["outcome_shares"]
        xs = start + np.arange(len(per_seed))
        bottoms = np.zeros(len(per_seed))
        for outcome, colour in OUTCOME_COLOURS.items():
            shares = np.array([shares[outcome] for shares in per_seed.values()])
            ax.bar(xs, shares, 0.8, bottom=bottoms, color=colour, label=outcome if start == 0 else None)
            bottoms += shares
        positions += list(xs)
        labels += list(per_seed)
        ax.text(xs.mean(), -0.17, agent, ha="center", va="top", fontsize=FONT, transform=below)
        start = xs[-1] + 2
    ax.set_xticks(positions, labels, fontsize=FONT)
    ax.set_xlim(-0.7, start - 1.3)
    ax.set_ylim(0, 1.0)
    ax.tick_params(axis="y", labelsize=FONT)
    ax.set_ylabel("share of states", fontsize=FONT)
    ax.set_title(f"{play}: outcome per start state, each seed (numbered)", fontsize=FONT + 1)
    if play == EVALUATIONS[0]:
        ax.legend(fontsize=FONT, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _figure_bars(ax: Any, summary: Mapping[str, Any], bars: list[tuple[str, str]], names: list[str]) -> None:
    """Bars of figures' means with their intervals over seeds, and a dot per seed; one bar per agent
    and play."""
    width = 0.8 / len(bars)
    for number, (agent, play) in enumerate(bars):
        figures = summary[agent][play]["figures"]
        offsets = np.arange(len(names)) + (number - (len(bars) - 1) / 2) * width
        means = np.array([figures[name]["mean"] for name in names])
        ends = np.array([figures[name]["interval"] for name in names], dtype=np.float64).T  # None: NaN
        ax.bar(
            offsets,
            means,
            width,
            yerr=np.clip([means - ends[0], ends[1] - means], 0, None),  # low to high
            capsize=3,
            color=f"C{list(summary).index(agent) % 10}",
            alpha=1.0 if play == "sampled" else 0.45,
            label=f"{agent} {play}",
        )
        for offset, name in zip(offsets, names, strict=True):
            values = figures[name]["values"]
            ax.plot([offset] * len(values), values, ".", color="black", markersize=3)
            _mark_empty(ax, offset, width, figures[name]["mean"], f"C{list(summary).index(agent) % 10}")
    ax.set_xticks(np.arange(len(names)), [name.replace("_", "\n") for name in names], fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT)
    ax.axhline(0, color="black", linewidth=0.5)


def _mark_empty(ax: Any, offset: float, width: float, mean: float, colour: str) -> None:
    """Make a bar that has no height visible: a zero as a thick line at 0, an undefined mean as "n/a"."""
    from matplotlib.transforms import blended_transform_factory

    if np.isnan(mean):
        on_axis = blended_transform_factory(ax.transData, ax.transAxes)
        ax.text(offset, 0.02, "n/a", rotation=90, ha="center", va="bottom", fontsize=FONT, transform=on_axis)
    elif mean == 0:
        ax.plot(
            [offset - width / 2, offset + width / 2], [0, 0], color=colour, linewidth=3, solid_capstyle="butt"
        )
