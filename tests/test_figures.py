"""compare's and sweep's figures as a person reads them, measured with matplotlib's renderer: no
text below 8 pt at the saved size or outside the figure, no two texts (tick labels, titles, notes)
overlapping, no legend over any axes, at 2 to 6 agents, settings and outcome labels."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from matplotlib.text import Text

from rlnoise.config import Config
from rlnoise.grid.spec import Axis, Grid
from rlnoise.grid.summaries import SUMMARY_FIGURES, summarize_cells
from rlnoise.metrics import EVALUATIONS, OUTCOMES
from rlnoise.phase import analyse
from rlnoise.phase_figure import OUTCOME_STYLES, phase_figure
from rlnoise.pictures.results import results_figure

AGENTS = ("regression", "categorical", "gaussian", "mixture", "flow", "my_module:agent")
STATES = Config().eval_contexts  # the start states a theory predicts for


def record(agent: str, seed: int, settings: dict[str, Any], labels: int, rng: np.random.Generator) -> dict:
    """A finished run's record: figures drawn at random, start states in the first `labels` outcomes."""
    item = {"agent": agent, "seed": seed, "status": "finished", "settings": settings}
    for mode in EVALUATIONS:
        states = [OUTCOMES[int(index)] for index in rng.integers(labels, size=STATES)]
        figures = {
            name: float(rng.uniform(-900, 0) if name == "return" else rng.uniform())
            for name in SUMMARY_FIGURES
        }
        if mode == "deterministic":
            figures["mode_entropy"] = 0.0  # a deterministic policy reaches one answer per state
        item[mode] = {
            **figures,
            "outcome": max(set(states), key=states.count),
            "outcome_shares": {name: states.count(name) / STATES for name in OUTCOMES},
            "state_outcomes": states,
        }
    return item


def legibility_problems(figure: Any) -> list[str]:
    """What a reader would trip over: small text, text outside the figure or over other text, a
    legend over axes."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = [text for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]
    unseen = set()  # tick labels of ticks beyond the axes' limits, which matplotlib does not draw
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low):
                    unseen.update((id(tick.label1), id(tick.label2)))
    texts = [text for text in texts if id(text) not in unseen]
    problems = [
        f"{text.get_text()!r} is {text.get_fontsize()} pt" for text in texts if text.get_fontsize() < 8
    ]
    boxes = [(text.get_text(), text.get_window_extent(renderer).expanded(1.0, 1.0)) for text in texts]
    inside = figure.bbox.expanded(1.0, 1.0)
    problems += [f"{name!r} leaves the figure" for name, box in boxes if not inside.contains(box.x0, box.y0)
                 or not inside.contains(box.x1, box.y1)]  # fmt: skip
    problems += [
        f"{a!r} overlaps {b!r}"
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
        if box_a.overlaps(box_b)
    ]
    axes = [ax for ax in figure.axes if ax.axison]
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend()] + list(figure.legends)
    for legend, ax in itertools.product(legends, axes):
        if legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer)):
            problems.append(
                f"a legend ({legend.get_texts()[0].get_text()}, ...) lies over {ax.get_title()!r}"
            )
    return problems


@pytest.mark.parametrize("count", [2, 4, 6])
def test_compare_figure_is_legible_and_shows_every_seed(count):
    rng = np.random.default_rng(count)
    agents, seeds = list(AGENTS[:count]), [1, 2, 3, 4, 5]
    records = [record(agent, seed, {}, min(count, len(OUTCOMES)), rng) for agent in agents for seed in seeds]
    summary = summarize_cells(records, agents)
    pictures = {agent: np.full((214, 318, 3), 255, np.uint8) for agent in agents[:2]}
    figure = results_figure(pictures, summary, "TwoBales-v0: many agents over seeds 1-5")
    assert legibility_problems(figure) == []
    outcomes = [ax for ax in figure.axes if "outcome per start state" in ax.get_title()]
    assert [ax.get_title().split(":")[0] for ax in outcomes] == list(EVALUATIONS)
    for ax in outcomes:  # a stacked bar per seed, numbered
        assert len(ax.patches) == len(agents) * len(seeds) * len(OUTCOMES)
        assert [label.get_text() for label in ax.get_xticklabels()] == [
            str(seed) for _ in agents for seed in seeds
        ]


def test_compare_figure_draws_each_mean_with_its_interval():
    from matplotlib.container import BarContainer

    rng = np.random.default_rng(0)
    agents = list(AGENTS[:2])
    records = [record(agent, seed, {}, 2, rng) for agent in agents for seed in (1, 2, 3)]
    summary = summarize_cells(records, agents)
    ax = results_figure({}, summary, "TwoBales-v0").axes[1]
    assert ax.get_title().startswith("mean [95% percentile-bootstrap interval] over seeds")
    bars = [container for container in ax.containers if isinstance(container, BarContainer)]
    for container, (agent, play) in zip(bars, [(a, p) for a in agents for p in EVALUATIONS], strict=True):
        ends = [segment[:, 1] for segment in container.errorbar.lines[2][0].get_segments()]
        expected = [summary[agent][play]["figures"][name]["interval"] for name in SUMMARY_FIGURES[1:]]
        np.testing.assert_allclose(ends, expected)


@pytest.mark.slow  # the theory's predictions on a fine grid of sigma: about 5 s
@pytest.mark.parametrize("count", [2, 6])
def test_phase_figure_is_legible_and_leaves_out_a_constant_panel_with_a_note(count):
    rng = np.random.default_rng(count)
    agents, seeds = ["regression", "categorical"], [1, 2, 3]
    grid = Grid(
        Config(env_id="TwoBales-v0"), agents, seeds, [Axis("sigma", tuple(np.linspace(0.1, 1.2, count)))]
    )
    records = [record(agent, seed, point, min(count, len(OUTCOMES)), rng)
               for agent, point, seed in itertools.product(agents, grid.points(), seeds)]  # fmt: skip
    figure = phase_figure(grid, analyse(grid, records), "TwoBales-v0: sigma")
    assert legibility_problems(figure) == []
    titles = [ax.get_title() for ax in figure.axes if ax.axison]
    assert "regression sampled: mode_entropy" in titles
    assert "regression deterministic: mode_entropy" not in titles  # 0 everywhere: left out
    notes = [text.get_text() for text in figure.findobj(Text) if "the same everywhere" in text.get_text()]
    assert len(notes) == len(agents) and all("mode_entropy: 0 at every sigma" in note for note in notes)


@pytest.mark.slow  # the theory's predictions for every point: 25 s and more
def test_phase_figure_with_two_settings_is_legible():
    rng = np.random.default_rng(0)
    axes = [Axis("ent_coef", (0.01, 0.1, 1.0), log=True), Axis("total_timesteps", (1000, 2000, 4000))]
    grid = Grid(Config(env_id="TwoBales-v0"), ["categorical", "regression"], [1, 2], axes)
    points = itertools.product(grid.agents, grid.points(), grid.seeds)
    records = [record(agent, seed, point, 3, rng) for agent, point, seed in points]
    assert legibility_problems(phase_figure(grid, analyse(grid, records), "TwoBales-v0")) == []


def test_outcomes_at_the_same_share_are_drawn_so_both_show():
    # drawn in this order, each line thinner with a smaller marker than the one it may lie on
    widths = [OUTCOME_STYLES[name]["linewidth"] for name in OUTCOMES]
    sizes = [OUTCOME_STYLES[name]["markersize"] for name in OUTCOMES]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    assert len({OUTCOME_STYLES[name]["marker"] for name in OUTCOMES}) == len(OUTCOMES)
