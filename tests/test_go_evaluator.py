"""Tests of the Go move evaluator, the `go-values` command and the shipped value tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import read_strict_json

from rlnoise.cli import main
from rlnoise.envs.go import TABLES_DIR
from rlnoise.envs.go import values as go_values
from rlnoise.envs.go.engine import GoPosition, parse_point, symmetry_maps
from rlnoise.envs.go.evaluator import POSITION_NAMES, move_classes, named_position, value_moves

TABLES = sorted(TABLES_DIR.glob("*.json"))


def load_table(name: str) -> dict:
    """A shipped value table by file name, e.g. "go7_tengen_komi9.json"."""
    return json.loads((TABLES_DIR / name).read_text())


def _values(table: dict) -> tuple[np.ndarray, np.ndarray]:
    """Values and standard errors of a table, NaN for illegal moves."""
    return tuple(np.array([np.nan if x is None else x for x in table[key]]) for key in ("values", "stderr"))


def _points(table: dict, names: list[str]) -> np.ndarray:
    """Values of named points."""
    return np.array([table["by_point"][name]["value"] for name in names])


def test_tables_are_shipped() -> None:
    """The tables the GoOpening environment relies on exist."""
    names = {path.name for path in TABLES}
    assert {"go7_tengen_komi9.json", "go7_empty_komi9.json"} <= names
    assert any(n.startswith("go5_tengen") for n in names) and any(n.startswith("go9_tengen") for n in names)


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_table_is_symmetric_and_consistent(path: Path) -> None:
    """Every table is invariant under the 8 symmetries (within its standard errors)."""
    table = json.loads(path.read_text())
    n = table["board_size"]
    values, stderr = _values(table)
    position = named_position(table["position"]["name"], n)
    assert np.array_equal(np.isnan(values), ~position.legal_mask())
    for perm in symmetry_maps(n):
        legal = ~np.isnan(values)
        diff = np.abs(values[perm][legal] - values[legal])
        assert np.all(diff <= 3 * np.hypot(stderr[perm][legal], stderr[legal]))
    assert table["playouts_per_move"] >= 100_000
    assert np.nanmax(stderr) < 0.1
    for name, entry in table["by_point"].items():
        assert parse_point(name, n) == entry["action"] and values[entry["action"]] == entry["value"]


def test_tengen_7x7_contact_beats_corners_and_pass() -> None:
    """On 7x7 tengen the contact points beat the corners by > 5 points, and beat passing."""
    table = load_table("go7_tengen_komi9.json")
    assert table["to_play"] == "white" and table["komi"] == 9 and table["position"]["black"] == ["D4"]
    contact = _points(table, ["D3", "C4", "E4", "D5"])
    corners = _points(table, ["A1", "G1", "A7", "G7"])
    assert contact.min() - corners.max() > 5
    assert table["by_point"]["pass"]["value"] < contact.min()


@pytest.mark.slow
def test_table_regenerates() -> None:
    """Re-running the evaluator with few playouts agrees with the 7x7 tengen table."""
    table = load_table("go7_tengen_komi9.json")
    values, stderr = _values(table)
    fresh = value_moves(named_position("tengen", 7), komi=9, playouts_per_move=4000, seed=12345)
    legal = ~np.isnan(values)
    assert np.all(np.abs(fresh.values - values)[legal] < 4 * np.hypot(fresh.stderr, stderr)[legal])


def test_classes_of_tengen_and_off_centre_positions() -> None:
    """Equivalence classes follow the position's symmetries."""
    expected = [
        ["A1", "E1", "A5", "E5"],
        ["B1", "D1", "A2", "E2", "A4", "E4", "B5", "D5"],
        ["C1", "A3", "E3", "C5"],
        ["B2", "D2", "B4", "D4"],
        ["C2", "B3", "D3", "C4"],
        ["pass"],
    ]
    classes = move_classes(named_position("tengen", 5))
    assert classes == [sorted(parse_point(p, 5) for p in group) for group in expected]
    off_centre = GoPosition.from_stones(5, black=["B2"], to_play=2)
    assert len(off_centre.symmetries()) == 2  # identity and the reflection in the A1-E5 diagonal
    classes = move_classes(off_centre)
    assert sum(len(group) for group in classes) == 25  # 24 empty points and pass
    assert sorted([parse_point("A2", 5), parse_point("B1", 5)]) in classes
    assert [parse_point("A1", 5)] in classes and [parse_point("C3", 5)] in classes


def test_evaluate_is_reproducible_and_shares_values() -> None:
    """Same seed, same values; classes share values; illegal moves are NaN."""
    position = named_position("tengen", 5)
    calls = []
    first = value_moves(position, komi=25, playouts_per_move=300, seed=7, progress=calls.append)
    assert sum(calls) == 300 * len(first.classes)
    again = value_moves(position, komi=25, playouts_per_move=300, seed=7)
    other = value_moves(position, komi=25, playouts_per_move=300, seed=8)
    assert np.array_equal(first.values, again.values, equal_nan=True)
    assert not np.array_equal(first.values, other.values, equal_nan=True)
    assert np.isnan(first.values[12]) and np.isnan(first.stderr[12])
    for group in first.classes:
        assert len(set(first.values[group])) == 1 and len(set(first.stderr[group])) == 1
    assert np.all(first.stderr[~np.isnan(first.stderr)] > 0)
    assert first.best_set(np.inf) == position.legal_moves().tolist()


def test_named_positions() -> None:
    """empty has Black to play on an empty board; tengen needs an odd board."""
    assert POSITION_NAMES == go_values.POSITIONS
    assert named_position("empty", 9).board.sum() == 0
    tengen = named_position("tengen", 9)
    assert tengen.board[40] == 1 and tengen.board.sum() == 1 and tengen.to_play == 2
    for name, size in (("tengen", 6), ("nowhere", 7)):
        with pytest.raises(ValueError):
            named_position(name, size)


def _run(argv: list[str]) -> int:
    """Run `rlnoise go-values` as the command line does."""
    return main(["go-values", *argv])


def test_command_writes_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The command writes a complete JSON table."""
    out = tmp_path / "t.json"
    argv = ["--board", "5", "--position", "tengen", "--komi", "25", "--playouts", "200", "--out", str(out)]
    assert _run([*argv, "--no-progress"]) == 0
    table = read_strict_json(out)
    assert table["board_size"] == 5 and table["to_play"] == "white" and table["komi"] == 25
    assert table["position"] == {"name": "tengen", "black": ["C3"], "white": []}
    assert table["playouts_per_move"] == 200 and table["seed"] == 0 and table["max_moves"] == 75
    assert table["command"] == f"rlnoise go-values {' '.join(argv[:6])} --playouts 200 --seed 0 --out {out}"
    assert len(table["values"]) == 26 and table["values"][12] is None
    assert set(table["by_point"]) == {n for group in table["classes"] for n in group}
    assert "best within 0.5 points" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--board", "1"], "--board must be between 2 and 19"),
        (["--board", "20"], "--board must be between 2 and 19"),
        (["--position", "corner"], "valid: empty, tengen"),
        (["--board", "6"], "needs an odd --board"),
        (["--playouts", "0"], "--playouts must be at least 2"),
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--out", "/nonexistent/dir/t.json"], "does not exist"),
        (["--komi", "1e308"], "--komi must be within ±49"),
        (["--komi", "nan"], "--komi must be within ±49"),
    ],
)
def test_command_rejects_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    """Bad flags give one error line on stderr and exit code 2."""
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rlnoise go-values: error: ") and message in err and err.count("\n") == 1
