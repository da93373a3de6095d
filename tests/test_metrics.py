"""Multimodality figures and outcome labels, per start state, on synthetic episode sets."""

import math

import pytest

from rlnoise.metrics import context_figures, multimodality, outcome

LABELS = ("left", "right")


def scenes(modes: list, between: list, count: int = 8) -> dict:
    """`count` start states that all played the same episodes."""
    return multimodality([modes] * count, LABELS, [between] * count)


def test_pure_averaging_is_averaged_whatever_the_misses():
    result = scenes([None] * 16, [True] * 16)
    assert result["between_rate"] == 1.0 and result["hit_rate"] == 0.0
    assert result["outcome"] == "averaged" and result["outcome_shares"]["averaged"] == 1.0


def test_noisy_commitment_is_committed_with_its_misses():
    # A point on one bale with wide noise: most samples miss, none between, every hit on the left.
    result = scenes(["left"] * 7 + [None] * 9, [False] * 14 + [True] * 2)
    assert result["collapse_rate"] == pytest.approx(9 / 16) and result["mode_entropy"] == 0.0
    assert result["outcome"] == "committed"


def test_diffuse_spread_is_not_averaged():
    # Spread over the whole range: few hits, on both sides, and a minority between.
    result = scenes(["left", "right"] + [None] * 14, [False] * 12 + [True] * 4)
    assert result["coverage"] == 1.0 and result["hit_rate"] == pytest.approx(2 / 16)
    assert result["outcome"] == "diffuse"


def test_covering_with_misses():
    result = scenes(["left", "right"] * 6 + [None] * 4, [False] * 16)
    assert result["hit_rate"] == 0.75 and result["mode_entropy"] == pytest.approx(1.0)
    assert result["outcome"] == "covering"


def test_half_covering_half_committed_scenes_read_mixed_with_their_shares():
    covering, committed = ["left", "right"] * 8, ["left"] * 16
    result = multimodality([covering] * 4 + [committed] * 4, LABELS, [[False] * 16] * 8)
    assert result["outcome_shares"]["covering"] == 0.5 and result["outcome_shares"]["committed"] == 0.5
    assert result["outcome"] == "mixed"
    low, high = result["outcome_intervals"]["covering"]
    assert 0.1 < low < 0.5 < high < 0.9


def test_committed_per_scene_even_when_scenes_disagree():
    result = multimodality([["left"] * 16, ["right"] * 16], LABELS, [[False] * 16] * 2)
    assert result["coverage"] == 0.5 and result["mode_entropy"] == 0.0
    assert result["outcome"] == "committed"


def test_mixed_between_committed_and_covering_within_a_scene():
    result = scenes(["left"] * 12 + ["right"] * 4, [False] * 16)
    assert result["outcome"] == "mixed" and result["majority_share"] == 0.75


def test_without_the_between_declaration_a_miss_reads_diffuse():
    result = multimodality([[None] * 16] * 4, LABELS)
    assert math.isnan(result["between_rate"]) and result["intervals"]["between_rate"] == [None, None]
    assert result["outcome"] == "diffuse"


def test_figures_carry_bootstrap_intervals_over_start_states():
    per_state = [["left"] * hits + [None] * (16 - hits) for hits in range(4, 16)]
    result = multimodality(per_state, LABELS, [[False] * 16] * len(per_state), [[1.0] * 16] * len(per_state))
    low, high = result["intervals"]["hit_rate"]
    assert low < result["hit_rate"] < high and high - low < 0.3
    assert result["return"] == 1.0 and result["intervals"]["return"] == [1.0, 1.0]
    # The evaluations during training skip the intervals and keep every other figure.
    quick = multimodality(
        per_state, LABELS, [[False] * 16] * len(per_state), [[1.0] * 16] * len(per_state), False
    )
    assert "intervals" not in quick and "outcome_intervals" not in quick
    assert quick == {key: value for key, value in result.items() if "intervals" not in key}


def test_hit_floor_separates_committed_from_diffuse():
    figures = context_figures(["left"] * 4 + [None] * 12, LABELS, [False] * 16)
    assert outcome(figures) == "committed"
    figures = context_figures(["left"] * 3 + [None] * 13, LABELS, [False] * 16)
    assert outcome(figures) == "diffuse"


def test_majority_share_is_undefined_without_any_answer():
    figures = context_figures([None, None], LABELS)
    assert math.isnan(figures["majority_share"]) and figures["coverage"] == 0.0
