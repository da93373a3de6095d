"""GoOpening: the specification of its docstring, its vector env, and the training outcomes."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from rlnoise.actions import nearest
from rlnoise.checks import CHECKS
from rlnoise.config import Config
from rlnoise.environments import make_sync_vector_env
from rlnoise.envs.go.engine import parse_point
from rlnoise.envs.go.opening import GoOpeningEnv, GoOpeningVectorEnv, table_path
from rlnoise.train import train

MAIN = "GoOpening-v0"
GO_IDS = sorted(
    spec.id for spec in gym.registry.values() if spec.entry_point == "rlnoise.envs.go.opening:GoOpeningEnv"
)
TABLE = json.loads(table_path("go7_tengen_komi9").read_text())
VALUES = np.array([np.nan if v is None else v for v in TABLE["values"]])
D4, PASS = parse_point("D4", 7), 49


def make(env_id: str = MAIN, **kwargs) -> GoOpeningEnv:
    return gym.make(env_id, **kwargs).unwrapped


def play(env: GoOpeningEnv, action: int, **reset) -> tuple:
    env.reset(**reset)
    return env.step(action)


# The registered variants as GoOpeningEnv's docstring specifies them: board size, Black's stone
# (None: the empty board), the player to move, komi, the best set (the moves within 0.5 points of
# the best), and the values in points of its first move and of a pass.
BEST_9X9 = "E4 D5 F5 E6 D4 F4 D6 F6 D3 F3 C4 G4 C6 G6 D7 F7 E3 C5 G5 E7 C3 G3 C7 G7"
VARIANTS = {
    "GoOpening-v0": (7, "D4", "White", 9, "D3 C4 E4 D5 C3 E3 C5 E5", 6.73, -0.77),
    "GoOpening5x5-v0": (5, "C3", "White", 25, "C2 B3 D3 C4", 22.03, 15.29),
    "GoOpening9x9-v0": (9, "E5", "White", 7, BEST_9X9, 4.75, -1.65),
    "GoFirstMoveControl-v0": (7, None, "Black", 9, "D4 D3 C4 E4 D5 C3 E3 C5 E5", -3.50, -11.24),
}


def test_the_registered_variants_are_those_the_docstring_specifies():
    assert sorted(GO_IDS) == sorted(VARIANTS)


@pytest.mark.parametrize("env_id", VARIANTS)
def test_each_variant_has_its_documented_position_komi_best_moves_and_values(env_id):
    size, stone, to_play, komi, best, best_value, pass_value = VARIANTS[env_id]
    env = make(env_id, render_mode="ansi")
    observation, _ = env.reset(seed=0)
    assert observation.shape == (3, size, size) and env.action_space.n == size * size + 1
    stones = np.zeros(size * size, np.float32)
    if stone is not None:
        stones[parse_point(stone, size)] = 1
    # The planes: the stones of the player to move, the opponent's, the empty points.
    black, white = (observation[1], observation[0]) if to_play == "White" else observation[:2]
    np.testing.assert_array_equal(black.flatten(), stones)
    assert white.sum() == 0 and observation[2].sum() == size * size - stones.sum()
    assert env.render().splitlines()[-1] == f"{to_play} to play, komi {komi}"
    assert sorted(env.mode_labels) == sorted(best.split())
    assert play(env, parse_point(best.split()[0], size))[1] == pytest.approx(best_value, abs=0.005)
    assert play(env, size * size)[1] == pytest.approx(pass_value, abs=0.005)


@pytest.mark.parametrize("rule", [rule for rule in CHECKS if rule not in ("trains", "symmetries")])
def test_the_playout_reward_source_keeps_the_contract(rule):
    """The contract suite checks the registered (table) variants; the noisy reward keeps it too,
    but for the symmetries, which one random playout keeps only in expectation."""
    CHECKS[rule](MAIN, {"reward_source": "playout"})


def test_observation_is_the_centre_stone_seen_by_white():
    env = make()
    observation, info = env.reset(seed=0)
    assert observation.shape == (3, 7, 7) and observation.dtype == np.float32
    assert env.action_space.n == 50 and info == {}
    assert observation[0].sum() == 0  # White (to move) has no stones
    assert observation[1, 3, 3] == 1 and observation[1].sum() == 1  # Black's stone on D4
    assert observation[2].sum() == 48 and observation[2, 3, 3] == 0


def test_reward_and_info_of_every_move_follow_the_table():
    env = make()
    best = np.nanmax(VALUES)
    for action in range(50):
        _, reward, terminated, truncated, info = play(env, action)
        assert terminated and not truncated
        played = PASS if action == D4 else action
        assert reward == pytest.approx(VALUES[played])
        name = "pass" if action == PASS else "ABCDEFG"[action % 7] + str(action // 7 + 1)
        assert info["point"] == name
        assert info["illegal"] == (action == D4)
        assert info["mode"] == (name if VALUES[played] >= best - 0.5 else None)
        assert info["between"] == (action == D4)  # the centre, mean of the best replies, alone
    assert env.mode_labels == tuple(TABLE["best_within_0.5"])


def test_occupied_centre_is_played_as_a_pass_and_flagged():
    env = make()
    start, _ = env.reset(seed=0)
    observation, reward, _, _, info = env.step(D4)
    assert info == {"point": "D4", "illegal": True, "mode": None, "between": True}
    assert reward == pytest.approx(VALUES[PASS])
    # After White's pass it is Black's turn: the same board, seen by Black.
    np.testing.assert_array_equal(observation, start[[1, 0, 2]])


def test_contact_point_is_best_and_terminal_observation_shows_the_move():
    env = make()
    env.reset(seed=0)
    observation, reward, _, _, info = env.step(parse_point("D3", 7))
    assert info == {"point": "D3", "illegal": False, "mode": "D3", "between": False}
    assert reward == pytest.approx(np.nanmax(VALUES))
    assert observation[0, 3, 3] == 1 and observation[1, 2, 3] == 1  # Black to move; White on D3


def test_mode_tolerance_sets_the_best_set():
    assert make(mode_tolerance=0.0).mode_labels == ("D3", "C4", "E4", "D5")
    assert set(make(mode_tolerance=3.0).mode_labels) > set(make().mode_labels)


def test_action_coordinates_span_the_board_and_the_best_moves_average_to_the_occupied_centre():
    env = make()
    coordinates = env.action_coordinates
    assert coordinates.shape == (50, 2) and np.isnan(coordinates[PASS]).all()
    np.testing.assert_allclose(coordinates[[0, 6, 42, 48, D4]], [[-1, -1], [1, -1], [-1, 1], [1, 1], [0, 0]])
    best = [parse_point(name, 7) for name in env.mode_labels]
    average = coordinates[best].mean(axis=0)
    np.testing.assert_allclose(average, [0, 0], atol=1e-12)
    assert nearest(coordinates, average[None])[0] == D4
    assert play(env, D4)[4]["illegal"]


@pytest.mark.parametrize("env_id", [MAIN, "GoOpening9x9-v0"])
def test_symmetries_keep_every_reward(env_id):
    env = make(env_id)
    start, _ = env.reset(seed=0)
    n = env.action_space.n
    rewards = np.array([play(env, a)[1] for a in range(n)])
    names = [symmetry.name for symmetry in env.symmetries]
    assert len(set(names)) == 8 and names[0] == "identity"
    for symmetry in env.symmetries:
        image = symmetry.observation(start)
        np.testing.assert_array_equal(image, start)
        moved = [play(env, symmetry.action(a), options={"observation": image})[1] for a in range(n)]
        np.testing.assert_allclose(moved, rewards, atol=1e-9)
        assert symmetry.action(n - 1) == n - 1


def test_symmetries_move_stones_as_they_move_points():
    env = make()
    size = 7
    for action in (0, 1, 9, 30):
        planes = np.zeros((3, size, size), np.float32)
        planes[0].flat[action] = 1
        for symmetry in env.symmetries:
            assert np.flatnonzero(symmetry.observation(planes)[0]) == [symmetry.action(action)]


def test_reset_accepts_only_the_start_observation():
    env = make()
    start, _ = env.reset(seed=0)
    assert np.array_equal(env.reset(options={"observation": start})[0], start)
    with pytest.raises(ValueError, match="position"):
        env.reset(options={"observation": start[[1, 0, 2]]})


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="reward_source"):
        GoOpeningEnv(reward_source="random")
    with pytest.raises(ValueError, match="mode_tolerance"):
        GoOpeningEnv(mode_tolerance=-1.0)
    with pytest.raises(ValueError, match="go7_tengen_komi9"):
        GoOpeningEnv(table="go7_nothing")


def test_playout_reward_is_noisy_with_the_table_value_as_mean():
    env = make(reward_source="playout")
    env.reset(seed=0)
    rewards = np.array([env.step(parse_point("C3", 7))[1] for _ in range(2000)])
    assert rewards.std() > 10 and np.all(rewards == np.round(rewards - 9) + 9)  # whole points - komi
    standard_error = np.hypot(rewards.std() / np.sqrt(len(rewards)), TABLE["stderr"][parse_point("C3", 7)])
    assert abs(rewards.mean() - VALUES[parse_point("C3", 7)]) < 4 * standard_error
    replay = make(reward_source="playout")
    replay.reset(seed=0)
    assert [replay.step(parse_point("C3", 7))[1] for _ in range(20)] == rewards[:20].tolist()


def _same_step(native: tuple, reference: tuple) -> None:
    """Assert two vector-env steps are equal, infos included."""
    for mine, theirs in zip(native[:4], reference[:4], strict=True):
        np.testing.assert_array_equal(mine, theirs)
    info, expected = native[4], reference[4]
    assert info.keys() == expected.keys()
    np.testing.assert_array_equal(np.stack(info["final_obs"]), np.stack(expected["final_obs"]))
    assert info["final_info"].keys() == expected["final_info"].keys()
    for key, value in expected["final_info"].items():
        assert info["final_info"][key].dtype == value.dtype
        assert info["final_info"][key].tolist() == value.tolist()


@pytest.mark.parametrize("reward_source", ["table", "playout"])
@pytest.mark.parametrize("seed", [7, [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]])
def test_vector_env_equals_sync_vector_env_of_single_envs(reward_source, seed):
    num_envs = 16
    native = gym.make_vec(
        MAIN, num_envs, vectorization_mode="vector_entry_point", reward_source=reward_source
    )
    reference = make_sync_vector_env(MAIN, num_envs, {"reward_source": reward_source})
    assert isinstance(native, GoOpeningVectorEnv)
    assert native.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    observations, _ = native.reset(seed=seed)
    np.testing.assert_array_equal(observations, reference.reset(seed=seed)[0])
    rng = np.random.default_rng(0)
    for _ in range(5):
        actions = rng.integers(0, 50, size=num_envs)
        actions[:3] = [D4, PASS, parse_point("D3", 7)]
        _same_step(native.step(actions), reference.step(actions))


def test_rendering_draws_the_board_and_marks_the_move():
    env = make(render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and "A B C D E F G" in text and "White to play, komi 9" in text
    assert " 4 . . . X . . . 4" in text
    env.step(parse_point("D3", 7))
    text = env.render()
    assert " 3 . . .(O). . . 3" in text and "White played D3" in text
    env.reset()
    env.step(D4)
    assert "White chose D4, illegal: played as a pass" in env.render()

    env = make(render_mode="rgb_array")
    env.reset(seed=0)
    before = env.render()
    assert before.dtype == np.uint8 and before.shape == (256, 256, 3)
    env.step(parse_point("D3", 7))
    after = env.render()
    # Cell 32 pixels, row 7 at the top: D4 at (128, 128), D3 at (160, 128).
    assert after[128, 128].max() < 60  # the black stone
    assert tuple(after[160, 128]) == (210, 40, 40)  # the last move's mark
    assert tuple(after[165, 138]) == (240, 240, 235) and tuple(before[165, 138]) == (220, 179, 92)


def test_landmarks_are_the_stones():
    env = make()
    start, _ = env.reset(seed=0)
    marks = env.landmarks(start)
    assert list(marks) == ["Black stones", "White stones"]
    np.testing.assert_array_equal(marks["Black stones"], [[0.0, 0.0]])
    assert marks["White stones"].shape == (0, 2)


def run(tmp_path, **settings):
    return train(Config(logdir=str(tmp_path), **settings), progress=False)


# A shorter schedule than the default (the outcomes appear within it) keeps these tests fast.
SHORT = {"total_timesteps": 256 * 120, "num_envs": 256, "eval_every": 1000}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_regression_plays_the_occupied_centre_and_categorical_covers_the_best_replies(tmp_path, seed):
    regression = run(tmp_path, env_id=MAIN, agent="regression", seed=seed, **SHORT)
    assert regression["deterministic"]["outcome"] == "averaged"
    assert regression["deterministic"]["collapse_rate"] == 1.0
    assert regression["deterministic"]["between_rate"] == 1.0  # the occupied centre point
    assert regression["deterministic"]["return"] == pytest.approx(VALUES[PASS])
    categorical = run(tmp_path, env_id=MAIN, agent="categorical", seed=seed, **SHORT)
    assert categorical["sampled"]["outcome"] == "covering"
    assert categorical["sampled"]["return"] > np.nanmax(VALUES) - 0.5


@pytest.mark.slow
def test_on_the_empty_board_the_regression_agent_plays_the_centre_which_is_among_the_best(tmp_path):
    control = make("GoFirstMoveControl-v0")
    assert "D4" in control.mode_labels
    result = run(tmp_path, env_id="GoFirstMoveControl-v0", agent="regression", seed=1, **SHORT)
    assert result["deterministic"]["collapse_rate"] == 0.0
    assert result["deterministic"]["return"] == pytest.approx(play(control, D4)[1])  # D4: its own class


@pytest.mark.slow
def test_regression_with_noise_of_one_point_spacing_commits_to_one_best_reply(tmp_path):
    result = run(tmp_path, env_id=MAIN, agent="regression", sigma=0.33, seed=1, **SHORT)
    assert result["deterministic"]["outcome"] == "committed"
    assert result["deterministic"]["return"] > np.nanmax(VALUES) - 0.5
