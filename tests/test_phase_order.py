"""The less-chosen share, the order parameter of sampled play that needs no theory: its median and
interval over seeds, and where a sweep shows it (sweep.json, sweep.md, phase.png), on made-up runs."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from conftest import read_strict_json

from rlnoise.config import Config
from rlnoise.grid.scheduler import CellRecord
from rlnoise.grid.spec import Axis, Grid
from rlnoise.grid.summaries import SUMMARY_FIGURES
from rlnoise.metrics import EVALUATIONS, OUTCOMES, mean_interval
from rlnoise.phase import LESS_CHOSEN, analyse, less_chosen
from rlnoise.phase_figure import phase_figure
from rlnoise.results import write_sweep

STATES = Config().eval_contexts  # the start states a theory predicts for


def point(values: list[float | None]) -> dict[str, Any]:
    """A point of a sweep whose categorical runs' sampled plays had these majority shares."""
    figures = {"majority_share": {"values": values}}
    return {"summary": {"categorical": {"sampled": {"figures": figures}}}}


def test_the_less_chosen_share_is_the_median_over_seeds_of_one_minus_the_majority_share():
    found = less_chosen(
        [point([1.0, 0.8, None, 0.6, float("nan")]), point([0.7, 0.7]), point([None])], "categorical"
    )
    (low, high) = found[0]["interval"]
    assert found[0]["median"] == pytest.approx(0.2)  # of 0, 0.2 and 0.4: the runs without hits left out
    assert (low, high) == tuple(mean_interval([0.0, 0.2, 0.4], np.median))
    assert 0.0 <= low <= 0.2 <= high <= 0.4 and low < high
    assert found[1]["median"] == pytest.approx(0.3) and found[1]["interval"] == pytest.approx([0.3, 0.3])
    assert found[2] == {"median": None, "interval": [None, None]}  # no hits at all: empty, not 0
    assert less_chosen([point([0.5])], "regression") == [{"median": None, "interval": [None, None]}]


def run(agent: str, seed: int, settings: dict[str, Any]) -> CellRecord:
    """A finished run whose sampled play puts `1 - sigma / 2` of its hits on one answer (none at sigma
    1.2), committed in every start state."""
    majority = float("nan") if settings["sigma"] == 1.2 else 1 - settings["sigma"] / 2
    evaluation = {name: 0.5 for name in SUMMARY_FIGURES} | {
        "majority_share": majority,
        "outcome": "committed",
        "outcome_shares": {name: float(name == "committed") for name in OUTCOMES},
        "state_outcomes": ["committed"] * STATES,
    }
    evaluations = dict.fromkeys(EVALUATIONS, evaluation)
    return CellRecord(
        agent, seed, agent, settings, "finished", global_step=100, seconds=1.0, evaluations=evaluations
    )


def records(grid: Grid) -> list[CellRecord]:
    """Every run of the grid, made up."""
    return [
        run(agent, seed, point)
        for agent, point, seed in itertools.product(grid.agents, grid.points(), grid.seeds)
    ]


@pytest.mark.slow  # writes phase.png and logs it to TensorBoard: about 3 s
def test_a_categorical_sweep_writes_the_less_chosen_share_to_its_json_and_markdown(tmp_path):
    grid = Grid(Config(env_id="TwoBales-v0"), ["categorical"], [1, 2, 3], [Axis("sigma", (0.2, 0.6, 1.2))])
    write_sweep(tmp_path, grid, records(grid), False)
    (order,) = read_strict_json(tmp_path / "sweep.json")["orders"]
    assert (order["agent"], order["play"], order["order"]["name"]) == ("categorical", "sampled", LESS_CHOSEN)
    assert order["order"]["settings"] == [0.2, 0.6, 1.2] and "predicted" not in order["order"]
    medians = [value["median"] for value in order["order"]["measured"]]
    assert medians[:2] == pytest.approx([0.1, 0.3]) and medians[2] is None
    markdown = (tmp_path / "sweep.md").read_text()
    assert "## categorical, sampled: order parameter less-chosen share" in markdown
    assert "the share of sampled hits on the less-chosen good answer(s), mean over start states" in markdown
    assert "| 0.2 | 0.100 [0.100, 0.100] |" in markdown and "| 1.2 |  |" in markdown


def test_the_phase_diagram_draws_the_less_chosen_share_in_the_sampled_row_only():
    grid = Grid(Config(env_id="TwoBales-v0"), ["categorical"], [1, 2], [Axis("sigma", (0.2, 1.2))])
    analysis = analyse(grid, [record.as_json() for record in records(grid)])
    titles = [ax.get_title() for ax in phase_figure(grid, analysis, "").axes if ax.axison]
    assert "categorical sampled: less-chosen share" in titles
    assert not any(title.startswith("categorical deterministic: less-chosen") for title in titles)


def test_an_env_of_one_good_answer_has_no_less_chosen_share():
    grid = Grid(Config(env_id="Memorize-v0"), ["categorical"], [1, 2], [Axis("sigma", (0.2, 0.6))])
    analysis = analyse(grid, [record.as_json() for record in records(grid)])
    assert analysis["orders"] == []
    titles = [ax.get_title() for ax in phase_figure(grid, analysis, "").axes if ax.axison]
    assert titles and not any(LESS_CHOSEN in title for title in titles)
