"""MultiGoal-v0: the paper's dynamics and reward, its horizon, its declarations, and multi-step training.

The contract suite (test_contract.py) checks its vector env, seeding, symmetries and rendering.
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np
import pytest

from rlnoise.config import Config
from rlnoise.envs.multi_goal import GOALS, LABELS, MultiGoalEnv
from rlnoise.flags import add_flags, from_args
from rlnoise.train import train


def step_from(position: tuple[float, float], action: tuple[float, float]):
    """One step of the single environment from a given position."""
    env = MultiGoalEnv()
    env.reset(options={"observation": np.array(position, dtype=np.float32)})
    return env.step(np.array(action, dtype=np.float32))


@pytest.mark.parametrize(
    ("position", "action", "moved", "reward", "mode"),
    [
        # -30 |a|^2 - min_g |p' - g|^2 (+10 within 1.0 of a goal), as in the authors' code.
        ((0.0, 0.0), (1.0, 0.0), (1.0, 0.0), -30.0 - 16.0, None),
        ((0.0, 0.0), (0.5, -0.5), (0.5, -0.5), -15.0 - (0.25 + 4.5**2), None),
        ((3.5, 0.0), (1.0, 0.0), (4.5, 0.0), -30.0 - 0.25 + 10.0, "east"),
        ((0.0, -3.2), (0.0, -1.0), (0.0, -4.2), -30.0 - 0.8**2 + 10.0, "south"),
        ((-4.0, 0.1), (0.0, 0.0), (-4.0, 0.1), -(1.0 + 0.01), None),  # 1.005 from the goal: not reached
        ((0.0, 0.0), (5.0, -3.0), (1.0, -1.0), -60.0 - 17.0, None),  # velocity clipped to [-1, 1]
        ((6.8, 0.0), (1.0, 0.0), (7.0, 0.0), -30.0 - 4.0, None),  # position clipped to [-7, 7]
    ],
)
def test_dynamics_and_reward_follow_the_paper(position, action, moved, reward, mode) -> None:
    observation, got, terminated, truncated, info = step_from(position, action)
    np.testing.assert_allclose(observation, moved, atol=1e-6)
    assert got == pytest.approx(reward, abs=1e-4)
    assert terminated == (mode is not None)
    assert not truncated
    assert info["mode"] == mode
    assert info["between"] == (np.linalg.norm(moved) < 2.5)  # nearer the origin than every goal


def test_standing_still_is_truncated_after_30_steps_with_no_mode() -> None:
    env = gym.make("MultiGoal-v0")
    env.reset(options={"observation": np.zeros(2, dtype=np.float32)})
    rewards = []
    for _ in range(30):
        _, reward, terminated, truncated, info = env.step(np.zeros(2, dtype=np.float32))
        rewards.append(reward)
        assert not terminated
    assert truncated
    assert info["mode"] is None and info["between"]  # the average of the goals: averaging
    assert sum(rewards) == pytest.approx(-750.0)


def test_a_goal_reached_on_the_last_step_ends_alike_in_the_single_and_the_vector_env() -> None:
    # 25 steps standing still at the origin, then 5 east: step 30 of 30 reaches (5, 0). Under
    # gymnasium's TimeLimit that step is both terminated and truncated; the vector env agrees.
    moves = [(0.0, 0.0)] * 25 + [(1.0, 0.0)] * 5
    start = np.zeros(2, dtype=np.float32)
    single = gym.make("MultiGoal-v0")
    single.reset(options={"observation": start})
    vector = gym.make_vec("MultiGoal-v0", num_envs=2, vectorization_mode="vector_entry_point")
    vector.reset(seed=0, options={"observation": start})
    for step, move in enumerate(moves, 1):
        action = np.array(move, dtype=np.float32)
        _, reward, terminated, truncated, info = single.step(action)
        _, rewards, terminateds, truncateds, infos = vector.step(np.stack([action, action]))
        assert (terminated, truncated) == (step == 30, step == 30)
        assert list(terminateds) == [terminated] * 2 and list(truncateds) == [truncated] * 2
        assert rewards[0] == pytest.approx(reward)
    assert info["mode"] == "east"
    assert list(infos["final_info"]["mode"]) == ["east", "east"]
    np.testing.assert_allclose(infos["final_obs"][0], [5.0, 0.0])


def test_starts_near_the_origin() -> None:
    env = MultiGoalEnv()
    starts = np.array([env.reset(seed=seed)[0] for seed in range(2000)])
    np.testing.assert_allclose(starts.mean(axis=0), 0.0, atol=0.01)
    np.testing.assert_allclose(starts.std(axis=0), 0.1, atol=0.01)


def test_symmetries_are_the_eight_of_the_square_and_permute_the_goals() -> None:
    images = set()
    for symmetry in MultiGoalEnv.symmetries:
        moved = symmetry.observation(GOALS)
        assert sorted(map(tuple, moved)) == sorted(map(tuple, GOALS))
        images.add(tuple(moved.ravel()))
        np.testing.assert_array_equal(symmetry.action(GOALS / 5), moved / 5)
    assert len(images) == 8
    assert MultiGoalEnv.mode_labels == LABELS == ("east", "north", "west", "south")


def test_command_line_takes_the_declared_training_defaults_unless_given() -> None:
    parser = argparse.ArgumentParser()
    add_flags(parser)
    declared = from_args(parser.parse_args(["--env-id", "MultiGoal-v0", "--bins", "9"]))
    assert declared.bins == 9
    assert declared.num_envs == MultiGoalEnv.training_defaults["num_envs"]
    assert declared.ent_coef == MultiGoalEnv.training_defaults["ent_coef"]
    assert from_args(parser.parse_args([])) == Config()


@pytest.mark.slow
@pytest.mark.parametrize(("gamma", "reaches"), [(0.99, True), (0.0, False)])
def test_returns_over_time_teach_the_way_to_a_goal(gamma: float, reaches: bool, tmp_path) -> None:
    """With discounted returns the agent learns to walk the 5 steps to a goal; myopic, it never arrives."""
    config = Config(
        env_id="MultiGoal-v0",
        agent="regression",
        sigma=0.3,
        gamma=gamma,
        num_envs=64,
        total_timesteps=64 * 30 * 40,
        eval_contexts=8,
        eval_samples=8,
        logdir=str(tmp_path),
    )
    result = train(config, progress=False)["deterministic"]
    if reaches:
        assert result["collapse_rate"] < 0.2
        assert result["return"] > -300
    else:
        assert result["collapse_rate"] == 1.0


@pytest.mark.slow
def test_default_settings_cover_all_four_goals_with_the_categorical_agent(tmp_path) -> None:
    """At the declared defaults the sampled categorical agent reaches every goal from each start state."""
    parser = argparse.ArgumentParser()
    add_flags(parser)
    args = parser.parse_args(["--env-id", "MultiGoal-v0", "--agent", "categorical", "--seed", "1"])
    result = train(from_args(args, logdir=str(tmp_path)), progress=False)["sampled"]
    assert result["outcome"] == "covering", result
