"""compare's figures table: each figure as the mean of its seeds with the 95% percentile-bootstrap
interval of that mean, inside the values' range, also from a summary written before intervals."""

from __future__ import annotations

from typing import Any

from rlnoise.grid.summaries import SUMMARY_FIGURES, summarize_cells
from rlnoise.metrics import EVALUATIONS, OUTCOMES, mean_interval
from rlnoise.results import format_interval, rows

HIT_RATES = (0.0, 1.0, 1.0)
RETURNS = (-3.0, -1.0, -2.5)


def finished(seed: int, hit_rate: float, value: float) -> dict[str, Any]:
    """A finished categorical run's record: `hit_rate` and the return as given, the other figures
    `value` (None: undefined), every start state covering."""
    play = {name: value for name in SUMMARY_FIGURES}
    play |= {"hit_rate": hit_rate, "return": RETURNS[seed], "outcome": "covering"}
    play["outcome_shares"] = {name: float(name == "covering") for name in OUTCOMES}
    return {"agent": "categorical", "seed": seed, "status": "finished", **dict.fromkeys(EVALUATIONS, play)}


def summary(values: tuple[float | None, ...] = (0.25, 0.5, 0.75)) -> dict[str, Any]:
    """The summary of three seeds: hit rates `HIT_RATES`, returns `RETURNS`, the rest `values`."""
    records = [
        finished(seed, rate, value) for seed, (rate, value) in enumerate(zip(HIT_RATES, values, strict=True))
    ]
    return summarize_cells(records, ["categorical"])


def test_the_table_prints_each_figure_as_the_mean_and_interval_of_its_seeds():
    entry = summary()["categorical"]["sampled"]
    for name, values in (("hit_rate", HIT_RATES), ("return", RETURNS)):
        figure = entry["figures"][name]
        low, high = mean_interval(values)
        assert figure["interval"] == [low, high] and figure["values"] == list(values)
        assert figure["mean"] == sum(values) / 3 and figure["std"] > 0  # older readers keep theirs
        assert low < figure["mean"] < high
    cells = rows(summary())[0]["categorical sampled"]
    low, high = mean_interval(HIT_RATES)
    assert cells["hit_rate"] == f"0.667 [{low:.3f}, {high:.3f}]"
    assert cells["hit_rate"] == format_interval(entry["figures"]["hit_rate"])  # sweep.md's format
    assert cells["return"].startswith("-2.167 [-") and "±" not in "".join(cells.values())
    assert cells["outcome"] == "covering 3/3"


def test_a_bounded_figure_s_interval_stays_inside_its_seeds_values():
    low, high = summary()["categorical"]["sampled"]["figures"]["hit_rate"]["interval"]
    assert 0.0 <= low < high <= 1.0  # a Student-t interval on 0, 1, 1 reaches past 1
    undefined = summary((None, None, None))["categorical"]["sampled"]["figures"]["coverage"]
    assert undefined["interval"] == [None, None]
    assert rows(summary((None, None, None)))[0]["categorical sampled"]["coverage"] == "nan"
    one = summary((None, 0.4, None))["categorical"]["sampled"]["figures"]["coverage"]
    assert one["mean"] == 0.4 and one["interval"] == [0.4, 0.4]
