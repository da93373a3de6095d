"""Multimodality figures and outcomes, measured per context."""

import math

import pytest

from rlnoise.metrics import context_figures, multimodality

LABELS = ("left", "right")


def test_covering_when_every_context_plays_both_answers():
    result = multimodality([["left", "right"] * 8, ["right", "left"] * 8], LABELS)
    assert result["coverage"] == 1.0 and result["mode_entropy"] == pytest.approx(1.0)
    assert result["outcome"] == "covering"


def test_committed_per_context_even_when_contexts_disagree():
    result = multimodality([["left"] * 16, ["right"] * 16], LABELS)
    assert result["coverage"] == 0.5 and result["mode_entropy"] == 0.0
    assert result["outcome"] == "committed"


def test_averaged_when_most_episodes_reach_no_answer():
    result = multimodality([[None] * 12 + ["left"] * 4], LABELS)
    assert result["collapse_rate"] == 0.75 and result["outcome"] == "averaged"


def test_mixed_between_committed_and_covering():
    result = multimodality([["left"] * 12 + ["right"] * 4], LABELS)
    assert result["outcome"] == "mixed"
    assert result["majority_share"] == 0.75


def test_majority_share_is_undefined_without_any_answer():
    figures = context_figures([None, None], LABELS)
    assert math.isnan(figures["majority_share"]) and figures["coverage"] == 0.0
