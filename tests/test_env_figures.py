"""An environment's own figures (`figures(modes)`, rlnoise/contract.py): Trap-v0's escape, computed
by the evaluation for both plays, kept in evaluation.json, logged and printed."""

import gymnasium as gym
import numpy as np
import pytest
from conftest import read_strict_json

from rlnoise import evaluation as evaluation_module
from rlnoise.checks.declarations import check_declarations
from rlnoise.cli import main
from rlnoise.contract import ContractError, env_figures
from rlnoise.envs.trap import TrapEnv
from rlnoise.evaluation import EVALUATIONS
from rlnoise.grid.summaries import env_figures_spread
from rlnoise.logger import figure_tags
from rlnoise.metrics import env_figures_line, multimodality

MODES = np.array(["deep", None, "shallow", "deep", "deep"], dtype=object)


def test_an_env_without_the_declaration_has_no_figures():
    assert env_figures(gym.make("TwoBales-v0"), MODES) == {}


def test_trap_declares_escape_the_share_ending_deep():
    assert env_figures(gym.make("Trap-v0"), MODES) == {"escape": 0.6}
    assert TrapEnv().figures(np.array(["shallow", None], dtype=object)) == {"escape": 0.0}


class WordyTrap(TrapEnv):
    """A Trap whose own figure is a word, not a number."""

    def figures(self, modes: np.ndarray) -> dict[str, float]:
        return {"escape": "often"}


def test_check_env_names_the_figures_and_refuses_ones_that_are_not_numbers():
    assert "own figures: escape" in check_declarations("Trap-v0", {})
    gym.register("WordyTrap-v0", entry_point=WordyTrap)
    try:
        with pytest.raises(ContractError, match="rule 'declarations' broken: figures"):
            check_declarations("WordyTrap-v0", {})
    finally:
        del gym.registry["WordyTrap-v0"]


def hand_made_results(escapes: dict[str, float] | None) -> dict[str, dict]:
    """Both plays' figures of two start states, with `escapes` as the env's own figure per play."""
    results = {}
    for way in EVALUATIONS:
        modes, returns = [["deep", "shallow"], [None, "deep"]], [[1.0, 0.5], [0.1, 1.0]]
        results[way] = multimodality(modes, ("shallow", "deep"), None, returns, intervals=False)
        if escapes is not None:
            results[way]["env_figures"] = {"escape": escapes[way]}
    return results


def test_env_figures_are_tagged_printed_and_spread_over_seeds():
    results = hand_made_results({"sampled": 0.375, "deterministic": 1.0})
    tags = figure_tags(results)
    assert (tags["eval/sampled/escape"], tags["eval/deterministic/escape"]) == (0.375, 1.0)
    assert env_figures_line(results) == ["escape: sampled 0.375, deterministic 1.000"]
    spread = env_figures_spread(
        [results["sampled"], {**results["sampled"], "env_figures": {"escape": 0.625}}]
    )
    assert spread["env_figures"]["escape"]["mean"] == 0.5
    plain = hand_made_results(None)
    assert not any("escape" in tag for tag in figure_tags(plain))
    assert env_figures_line(plain) == [] and env_figures_spread([plain["sampled"]]) == {}


def recorded_plays(monkeypatch: pytest.MonkeyPatch) -> list:
    """The episodes of every play the evaluation makes from now on, in order."""
    plays = []
    original = evaluation_module.play

    def play(*args, **kwargs):
        plays.append(original(*args, **kwargs))
        return plays[-1]

    monkeypatch.setattr(evaluation_module, "play", play)
    return plays


def short_run(env_id: str, agent: str, tmp_path, monkeypatch, capsys) -> tuple[dict, list, str]:
    """Train a short run with `rlnoise train`: its evaluation.json, the episodes of every play its
    evaluations made, and what it printed."""
    plays = recorded_plays(monkeypatch)
    flags = ["--env-id", env_id, "--agent", agent, "--total-timesteps", "2048", "--num-envs", "64"]
    flags += ["--eval-contexts", "4", "--eval-samples", "16", "--logdir", str(tmp_path), "--run-name", "run"]
    assert main(["train", *flags]) == 0
    return read_strict_json(tmp_path / "run" / "evaluation.json"), plays, capsys.readouterr().out


@pytest.mark.slow
def test_a_trap_runs_escape_is_its_evaluations_share_of_deep_episodes(tmp_path, monkeypatch, capsys):
    saved, plays, printed = short_run("Trap-v0", "regression", tmp_path, monkeypatch, capsys)
    final = dict(zip(EVALUATIONS, plays[-2:], strict=True))  # the final evaluation's two plays
    for way in EVALUATIONS:
        share = float(np.mean(final[way].modes == "deep"))
        assert saved[way]["env_figures"] == {"escape": share}
    escapes = [saved[way]["env_figures"]["escape"] for way in EVALUATIONS]
    assert f"escape: sampled {escapes[0]:.3f}, deterministic {escapes[1]:.3f}" in printed


@pytest.mark.slow
def test_two_bales_evaluation_json_has_no_env_figures(tmp_path, monkeypatch, capsys):
    saved, _, printed = short_run("TwoBales-v0", "categorical", tmp_path, monkeypatch, capsys)
    for way in EVALUATIONS:
        assert "env_figures" not in saved[way] and "outcome" in saved[way]
    assert "escape" not in printed
