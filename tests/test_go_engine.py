"""Tests of the Go engine, including a move-by-move comparison with OpenSpiel's Go.

Rule comparison with OpenSpiel (open_spiel 2.0.2, games/go/go_board.cc), investigated from
its source and checked by `test_matches_openspiel`:

- Numbering: OpenSpiel's go action is ``row * N + col`` with row 0 = Go row "1", pass
  ``N * N``; the engine uses the same numbering, so actions are compared unchanged.
- Suicide: illegal in both (single-stone and multi-stone).
- Ko: identical. OpenSpiel forbids the point of the single stone just captured when the
  capturing stone was played where all neighbours were enemy stones or the edge; any other
  move or a pass clears it. The engine does the same.
- Superko: OpenSpiel ends the game (as a draw) as soon as a non-pass move repeats an earlier
  board (positional superko); the engine has no superko. The comparison stops there and
  does not compare scores of such games.
- Game length: OpenSpiel ends a game at ``max_game_length`` moves (default ``2 * N * N``);
  the test sets it to the engine's playout limit ``3 * N * N``. Games that end by length are
  scored as they stand in both, and are compared.
- Scoring: both Tromp-Taylor. OpenSpiel only reports win/draw/loss, so the exact score is
  checked by replaying the game with komi equal to the engine's area margin, which must
  give a draw.
- The board after every move (captures) and the legal-move sets at every step agree; no
  difference was found.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from rlnoise.envs.go.engine import (
    BLACK,
    EMPTY,
    WHITE,
    GoPosition,
    _is_eye,
    default_max_moves,
    parse_point,
    playouts,
    point_name,
    symmetry_maps,
)


def is_legal(position: GoPosition, action: int) -> bool:
    """Whether the player to move may play `action`."""
    return 0 <= action <= position.pass_action and bool(position.legal_mask()[action])


def eye_mask(position: GoPosition, colour: int) -> np.ndarray:
    """Mask over the points that are `colour`'s eyes by the engine's own rule (playouts never fill them)."""
    state, n = position._state(), position.size
    padded = [(a // n + 1) * (n + 2) + a % n + 1 for a in range(n * n)]
    return np.array([position.board[a] == EMPTY and _is_eye(state, p, colour) for a, p in enumerate(padded)])


def is_eye(position: GoPosition, action: int, colour: int) -> bool:
    """Whether the empty point `action` is an eye of `colour`."""
    return bool(eye_mask(position, colour)[action])


def _openspiel_game(size: int, komi: float):
    """OpenSpiel Go with the engine's move limit (the test skips without OpenSpiel)."""
    pyspiel = pytest.importorskip("pyspiel")
    params = {"board_size": size, "komi": float(komi), "max_game_length": default_max_moves(size)}
    return pyspiel.load_game("go", params)


def _board_of(state, size: int) -> np.ndarray:
    """OpenSpiel board in the engine's encoding (0 empty, 1 black, 2 white)."""
    planes = np.asarray(state.observation_tensor(0)).reshape(4, size * size)
    return (planes[0] + 2 * planes[1]).astype(np.int8)


def _compare_games(size: int, games: int, eye_avoiding: bool, seed: int) -> dict[str, list]:
    """Play random games in OpenSpiel and the engine side by side, asserting agreement."""
    rng = random.Random(seed)
    game = _openspiel_game(size, 0.5)
    stats = {"captures": 0, "ko": 0, "suicide": 0, "superko": 0, "length": 0, "scores": []}
    for _ in range(games):
        state = game.new_initial_state()
        pos = GoPosition.empty(size)
        seen = {pos.board.tobytes()}
        history = []
        superko = False
        while not state.is_terminal():
            legal = pos.legal_moves()
            assert state.legal_actions() == legal.tolist(), (history, str(pos))
            empty = np.flatnonzero(pos.board == 0)
            stats["ko"] += pos.ko >= 0
            stats["suicide"] += len(empty) - (len(legal) - 1) - (pos.ko >= 0)
            if eye_avoiding:
                eyes = eye_mask(pos, pos.to_play)
                choices = [a for a in legal[:-1] if not eyes[a]] or [pos.pass_action]
            else:
                choices = legal.tolist()
            action = rng.choice(choices)
            history.append(action)
            state.apply_action(action)
            pos = pos.play(action)
            stats["captures"] += len(pos.captured)
            assert np.array_equal(_board_of(state, size), pos.board), history
            key = pos.board.tobytes()
            superko = superko or (action != pos.pass_action and key in seen)
            seen.add(key)
        if superko:
            stats["superko"] += 1
            continue
        assert pos.is_over or len(history) == default_max_moves(size)
        stats["length"] += not pos.is_over
        replay = _openspiel_game(size, pos.area()).new_initial_state()
        for action in history:
            replay.apply_action(action)
        assert replay.returns() == [0.0, 0.0], (history, pos.area())
        stats["scores"].append(pos.area())
    return stats


@pytest.mark.slow
@pytest.mark.parametrize(
    ("size", "games"),
    [(5, 600), (7, 200), (9, 80)],
)
def test_matches_openspiel(size: int, games: int) -> None:
    """Legal moves, boards and final scores agree with OpenSpiel in random games."""
    uniform = _compare_games(size, games, eye_avoiding=False, seed=size)
    avoiding = _compare_games(size, games, eye_avoiding=True, seed=100 + size)
    for stats in (uniform, avoiding):
        assert stats["captures"] > 0 and stats["suicide"] > 0 and stats["ko"] > 0
    if size == 5:  # both stop rules were exercised (rarer on larger boards)
        assert avoiding["superko"] > 0 and uniform["length"] > 0
    # The engine's playouts follow the same eye-avoiding random policy.
    fast = playouts(GoPosition.empty(size), 4000, seed=size)
    slow = np.asarray(avoiding["scores"], float)
    se = np.hypot(fast.std() / np.sqrt(fast.size), slow.std() / np.sqrt(slow.size))
    assert abs(fast.mean() - slow.mean()) < 4 * se


def test_capture() -> None:
    """Filling a chain's last liberty removes it and reports the captured points."""
    pos = GoPosition.from_stones(5, black=["C2", "B3", "D3", "B4", "D4"], white=["C3", "C4"])
    c3, c4, c5 = parse_point("C3", 5), parse_point("C4", 5), parse_point("C5", 5)
    after = pos.play(c5)
    assert sorted(after.captured) == [c3, c4] and after.ko == -1
    assert after.board[c3] == 0 and after.board[c4] == 0 and after.board[c5] == BLACK
    assert after.to_play == WHITE and is_legal(after, c3)


def test_suicide_is_illegal() -> None:
    """Single- and multi-stone suicide is illegal, but not when it captures."""
    pos = GoPosition.from_stones(5, black=["B1", "A2"], white=["E5"], to_play=WHITE)
    a1 = parse_point("A1", 5)
    assert not is_legal(pos, a1)
    with pytest.raises(ValueError):
        pos.play(a1)
    # Two white stones filling their own last liberty.
    pos = GoPosition.from_stones(5, black=["A3", "B2", "C1"], white=["A1", "A2"], to_play=WHITE)
    assert not is_legal(pos, parse_point("B1", 5))
    # The same shape is legal when it captures a black stone in atari.
    pos = GoPosition.from_stones(5, black=["B1", "A2"], white=["C1", "B2"], to_play=WHITE)
    assert is_legal(pos, a1)
    assert pos.play(a1).captured == (parse_point("B1", 5),)


def test_ko() -> None:
    """A single-stone capture may not be retaken at once, but may after another move."""
    pos = GoPosition.from_stones(5, black=["B2", "A3", "B4", "C3"], white=["C2", "D3", "C4"], to_play=WHITE)
    b3, c3 = parse_point("B3", 5), parse_point("C3", 5)
    taken = pos.play(b3)
    assert taken.captured == (c3,) and taken.ko == c3
    assert not is_legal(taken, c3) and c3 not in taken.legal_moves()
    later = taken.play(parse_point("E1", 5)).play(parse_point("E5", 5))
    assert later.ko == -1 and is_legal(later, c3)
    assert later.play(c3).captured == (b3,)
    assert taken.play(taken.pass_action).ko == -1  # a pass also clears it


def test_capture_of_two_is_not_ko() -> None:
    """Capturing two stones from inside an enemy eye sets no ko point."""
    pos = GoPosition.from_stones(5, black=["A1", "B1", "D1", "C2"], white=["A2", "B2"], to_play=WHITE)
    after = pos.play(parse_point("C1", 5))
    assert sorted(after.captured) == [0, 1] and after.ko == -1


def test_known_final_score() -> None:
    """Tromp-Taylor scoring: stones plus regions reaching one colour; neutral points count 0."""
    black = ["C1", "C2", "C3", "C4", "C5", "A4"]
    white = ["D1", "D2", "D3", "D4", "D5"]
    pos = GoPosition.from_stones(5, black=black, white=white)
    assert pos.area() == 15 - 10
    assert pos.score(komi=7.5) == -2.5
    # Without D5 the empty D5-E column region reaches both colours: neutral.
    pos = GoPosition.from_stones(5, black=black, white=white[:-1])
    assert pos.area() == 15 - 4
    assert GoPosition.empty(5).area() == 0
    assert GoPosition.from_stones(5, white=["C3"]).area() == -25


def test_eye_predicate() -> None:
    """Eyes: surrounded orthogonally; diagonals at most one enemy, none on the edge."""
    n = 5
    centre = parse_point("C3", n)
    ring = ["B3", "D3", "C2", "C4"]
    assert is_eye(GoPosition.from_stones(n, black=ring), centre, BLACK)
    assert not is_eye(GoPosition.from_stones(n, black=ring), centre, WHITE)
    one = GoPosition.from_stones(n, black=ring, white=["B2"])
    assert is_eye(one, centre, BLACK)
    two = GoPosition.from_stones(n, black=ring, white=["B2", "D4"])
    assert not is_eye(two, centre, BLACK)
    assert not is_eye(GoPosition.from_stones(n, black=ring[:3]), centre, BLACK)
    edge = ["B1", "D1", "C2"]
    assert is_eye(GoPosition.from_stones(n, black=edge), parse_point("C1", n), BLACK)
    false_edge = GoPosition.from_stones(n, black=edge, white=["B2"])
    assert not is_eye(false_edge, parse_point("C1", n), BLACK)
    corner = GoPosition.from_stones(n, black=["A2", "B1"])
    assert is_eye(corner, 0, BLACK)
    assert not is_eye(GoPosition.from_stones(n, black=["A2", "B1"], white=["B2"]), 0, BLACK)


def test_playouts_never_fill_own_eyes() -> None:
    """A group with two true eyes is never filled by its owner, so it always lives."""
    n = 5
    eyes = {parse_point("A1", n), parse_point("E5", n)}
    black = [a for a in range(n * n) if a not in eyes]
    for to_play in (BLACK, WHITE):
        pos = GoPosition.from_stones(n, black=black, to_play=to_play)
        assert pos.legal_moves().tolist() == ([0, 24, 25] if to_play == BLACK else [25])
        margins = playouts(pos, 200, seed=1, komi=0.5)
        assert np.all(margins == 24.5)


def test_playouts_reproducible_and_ended() -> None:
    """Same seed, same margins; margins lie within the board's range."""
    pos = GoPosition.from_stones(7, black=["D4"], to_play=WHITE)
    a = playouts(pos, 500, seed=3, komi=9)
    assert np.array_equal(a, playouts(pos, 500, seed=3, komi=9))
    assert not np.array_equal(a, playouts(pos, 500, seed=4, komi=9))
    assert a.min() >= -49 - 9 and a.max() <= 49 - 9
    assert a.std() > 1


def test_point_names() -> None:
    """Board names skip the letter I and count rows from 1 at the bottom."""
    assert point_name(24, 7) == "D4"
    assert point_name(0, 7) == "A1" and point_name(48, 7) == "G7"
    assert point_name(8, 9) == "J1"
    assert point_name(361, 19) == "pass" and point_name(360, 19) == "T19"
    for n in (5, 9, 19):
        for a in range(n * n + 1):
            assert parse_point(point_name(a, n), n) == a
    for bad in ("I1", "A0", "A8", "H1", "", "pass1"):
        with pytest.raises(ValueError):
            parse_point(bad, 7)


def test_symmetries() -> None:
    """The 8 maps are distinct permutations; tengen keeps all 8, a corner stone 2."""
    maps = symmetry_maps(7)
    assert len({m.tobytes() for m in maps}) == 8
    assert all(sorted(m) == list(range(50)) for m in maps)
    assert all(m[24] == 24 and m[49] == 49 for m in maps)
    assert GoPosition.from_stones(7, black=["D4"]).symmetries() == list(range(8))
    assert len(GoPosition.from_stones(7, black=["A1"]).symmetries()) == 2


def test_bad_positions() -> None:
    """Setting up an impossible position or a bad size raises ValueError."""
    with pytest.raises(ValueError):
        GoPosition.from_stones(5, black=["A1"], white=["A2", "B1"])
    with pytest.raises(ValueError):
        GoPosition.empty(1)
    with pytest.raises(ValueError):
        GoPosition.from_stones(5, black=["A1", "A1"])
