"""The connection between a policy's outputs and an environment's actions."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from rlnoise.actions import ActionMappingError, make_adapter


class PointsEnv(gym.Env):
    """Three actions with coordinates and a pass without."""

    action_space = spaces.Discrete(4)
    observation_space = spaces.Box(0, 1, (1,))
    action_coordinates = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [np.nan, np.nan]])


def test_choice_policy_on_a_box_picks_evenly_spaced_bins():
    env = gym.make("TwoBales-v0")
    adapter = make_adapter(env, "choice", bins=41)
    assert adapter.action_size == 41
    actions = adapter.to_env(np.array([0, 20, 40]))
    np.testing.assert_allclose(actions[:, 0], [-2.0, 0.0, 2.0], atol=1e-6)


def test_the_default_grid_stays_small_on_more_dimensions():
    line = make_adapter(gym.make("TwoBales-v0"), "choice", bins=None)
    plane = make_adapter(gym.make("MultiGoal-v0"), "choice", bins=None)
    assert line.action_size == 41 and plane.action_size == 11 * 11  # not 41 * 41 = 1681
    np.testing.assert_allclose(np.unique(plane.points[:, 0]), np.linspace(-1, 1, 11), atol=1e-6)


def test_point_policy_on_a_box_is_clipped():
    adapter = make_adapter(gym.make("TwoBales-v0"), "point", bins=41)
    assert adapter.to_env(np.array([[3.0], [-0.5]]))[:, 0].tolist() == [2.0, -0.5]


def test_point_policy_on_discrete_rounds_to_the_nearest_point_never_the_pass():
    adapter = make_adapter(PointsEnv(), "point", bins=41)
    assert adapter.action_size == 2
    assert adapter.to_env(np.array([[0.9, 0.2], [0.1, 0.1], [0.2, 5.0]])).tolist() == [1, 0, 2]


def test_point_policy_needs_coordinates():
    env = PointsEnv()
    env.action_coordinates = None
    with pytest.raises(ActionMappingError, match="action_coordinates"):
        make_adapter(env, "point", bins=41)
