"""compare's figure: each agent's picture above its figures over seeds and its outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rlnoise.pictures.panels import DPI, new_figure, pixels

MAX_WIDTH = 16.0
"""The widest compare's figure gets, in inches at `DPI` (1280 pixels): wider pictures are shrunk."""


def results_picture(
    pictures: Mapping[str, np.ndarray],
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    title: str,
) -> np.ndarray:
    """Each agent's picture side by side, above its figures over seeds (mean, std, each seed).

    `summary[agent][mode]["figures"][figure]` holds `mean`, `std` and `values` (one per seed).
    The return, in the environment's own units, gets its own axes beside the others, in [0, 1].
    """
    from matplotlib.gridspec import GridSpec

    columns = max(len(pictures), 1)
    widths = [image.shape[1] / DPI for image in pictures.values()] or [8.0]
    heights = [image.shape[0] / DPI for image in pictures.values()] or [0.1]
    shrink = min(1.0, MAX_WIDTH / (sum(widths) + 0.4))  # pictures side by side fit MAX_WIDTH
    width, top = max(shrink * sum(widths) + 0.4, 10.0), shrink * max(heights)
    figure, _ = new_figure(1, 1, (width, top + 4.2), left=0, right=0)
    figure.clear()
    layout = GridSpec(2, columns, figure=figure, height_ratios=(top + 0.3, 3.5), width_ratios=widths)
    for column, image in enumerate(pictures.values()):  # each picture is titled with its run
        ax = figure.add_subplot(layout[0, column])
        ax.imshow(image)
        ax.axis("off")
    bars = [(agent, mode) for agent in summary for mode in summary[agent]]
    names = list(summary[bars[0][0]][bars[0][1]]["figures"])
    figures_layout = layout[1, :].subgridspec(
        1, 3, width_ratios=(1, len(names) - 1, 0.4 * len(bars)), wspace=0.25
    )
    axes = [figure.add_subplot(figures_layout[i]) for i in range(3)]
    for ax, shown in zip(axes[:2], (names[:1], names[1:]), strict=True):
        _figure_bars(ax, summary, bars, shown)
    axes[0].set_ylabel("return (the env's units)", fontsize=8)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_ylabel("figure (0 to 1)", fontsize=8)
    axes[1].set_title("mean ± std over seeds (dots: each seed; n/a: undefined)", fontsize=9)
    _outcome_bars(axes[2], summary, bars)
    handles, labels = axes[1].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(len(bars), 6), fontsize=9, frameon=False)
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, 0.04 * (1 + len(bars) // 7), 1, 1))
    return pixels(figure)


OUTCOME_COLOURS = {
    "averaged": "#d62728",
    "diffuse": "#7f7f7f",
    "committed": "#1f77b4",
    "mixed": "#bcbd22",
    "covering": "#2ca02c",
}


def _outcome_bars(ax: Any, summary: Mapping[str, Any], bars: list[tuple[str, str]]) -> None:
    """Stacked bars: the share of start states in each outcome, averaged over seeds, per agent and mode."""
    bottoms = np.zeros(len(bars))
    for outcome, colour in OUTCOME_COLOURS.items():
        shares = np.array(
            [np.mean([s[outcome] for s in summary[a][m]["outcome_shares"].values()]) for a, m in bars]
        )
        ax.bar(np.arange(len(bars)), shares, 0.7, bottom=bottoms, color=colour, label=outcome)
        bottoms += shares
    ax.set_xticks(np.arange(len(bars)), [f"{agent}\n{mode}" for agent, mode in bars], fontsize=7)
    if len(bars) > 2:  # side by side they would overlap
        ax.tick_params(axis="x", labelrotation=90)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("share of start states", fontsize=8)
    ax.set_title("outcome per start state", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)


def _figure_bars(ax: Any, summary: Mapping[str, Any], bars: list[tuple[str, str]], names: list[str]) -> None:
    """Bars of figures' means with their std over seeds, and a dot per seed; one bar per agent and mode."""
    width = 0.8 / len(bars)
    for number, (agent, mode) in enumerate(bars):
        figures = summary[agent][mode]["figures"]
        offsets = np.arange(len(names)) + (number - (len(bars) - 1) / 2) * width
        ax.bar(
            offsets,
            [figures[name]["mean"] for name in names],
            width,
            yerr=[figures[name]["std"] for name in names],
            capsize=3,
            color=f"C{list(summary).index(agent)}",
            alpha=1.0 if mode == "sampled" else 0.45,
            label=f"{agent} {mode}",
        )
        for offset, name in zip(offsets, names, strict=True):
            values = figures[name]["values"]
            ax.plot([offset] * len(values), values, ".", color="black", markersize=3)
            _mark_empty(ax, offset, width, figures[name]["mean"], f"C{list(summary).index(agent)}")
    ax.set_xticks(np.arange(len(names)), names, fontsize=9)
    ax.axhline(0, color="black", linewidth=0.5)


def _mark_empty(ax: Any, offset: float, width: float, mean: float, colour: str) -> None:
    """Make a bar that has no height visible: a zero as a thick line at 0, an undefined mean as "n/a"."""
    from matplotlib.transforms import blended_transform_factory

    if np.isnan(mean):
        on_axis = blended_transform_factory(ax.transData, ax.transAxes)
        ax.text(offset, 0.02, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, transform=on_axis)
    elif mean == 0:
        ax.plot(
            [offset - width / 2, offset + width / 2], [0, 0], color=colour, linewidth=3, solid_capstyle="butt"
        )
