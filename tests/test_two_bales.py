"""TwoBales-v0: the specification of its docstring, and its vector env against the single env."""

import gymnasium as gym
import numpy as np
import pytest

from rlnoise import envs  # noqa: F401
from rlnoise.environments import make_sync_vector_env
from rlnoise.envs.two_bales import TwoBalesEnv, TwoBalesVectorEnv


def test_scene_is_drawn_from_the_documented_ranges():
    env = gym.make("TwoBales-v0")
    scenes = np.array([env.reset(seed=seed)[0] for seed in range(500)])
    assert scenes.dtype == np.float32
    assert scenes[:, 0].min() >= -0.5 and scenes[:, 0].max() <= 0.5
    assert scenes[:, 1].min() >= 0.4 and scenes[:, 1].max() <= 0.8
    assert scenes[:, 0].std() > 0.2 and scenes[:, 1].std() > 0.08


@pytest.mark.parametrize(
    ("position", "reward", "mode", "between"),
    [
        (-0.4, 1.0, "left", False),
        (0.8, 1.0, "right", False),
        (0.2, 0.0, None, True),  # the midpoint
        (0.45, 0.002, None, True),  # 0.25 from the midpoint, 0.35 from the right bale
        (0.55, 0.044, None, False),  # nearer the right bale: a miss, not between
        (-1.5, 0.0, None, False),  # far outside: a miss, not between
        (-0.4 + 0.1, np.exp(-0.5), "left", False),
    ],
)
def test_reward_is_the_hay_of_the_nearest_bale(position, reward, mode, between):
    env = TwoBalesEnv(center=0.2, half_gap=0.6)
    env.reset(seed=0)
    _, r, terminated, truncated, info = env.step(np.array([position], dtype=np.float32))
    assert r == pytest.approx(reward, abs=1e-3)
    assert info["mode"] == mode and info["between"] == between
    assert terminated and not truncated


def test_width_changes_the_bumps():
    env = TwoBalesEnv(center=0.0, half_gap=0.5, width=0.5)
    env.reset(seed=0)
    _, reward, *_ = env.step(np.array([0.0], dtype=np.float32))
    assert reward == pytest.approx(np.exp(-0.5), abs=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="width"):
        TwoBalesEnv(width=0.0)
    with pytest.raises(ValueError, match="within"):
        TwoBalesEnv(center=1.5, half_gap=0.8)


def test_vector_env_equals_single_env_seed_for_seed():
    seeds = list(range(100, 164))
    rng = np.random.default_rng(0)
    actions = rng.uniform(-2, 2, size=(len(seeds), 1)).astype(np.float32)
    vector = gym.make_vec("TwoBales-v0", len(seeds), vectorization_mode="vector_entry_point")
    assert isinstance(vector, TwoBalesVectorEnv)
    observations, _ = vector.reset(seed=seeds)
    _, rewards, terminated, _, infos = vector.step(actions)
    single = gym.make("TwoBales-v0")
    for i, seed in enumerate(seeds):
        observation, _ = single.reset(seed=seed)
        np.testing.assert_array_equal(observations[i], observation)
        _, reward, done, _, info = single.step(actions[i])
        assert rewards[i] == reward
        assert terminated[i] == done
        assert infos["final_info"]["mode"][i] == info["mode"]


def test_vector_env_has_the_infos_of_a_same_step_sync_vector_env():
    sync = make_sync_vector_env("TwoBales-v0", 8)
    native = gym.make_vec("TwoBales-v0", 8)
    actions = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    results = []
    for envs_ in (sync, native):
        envs_.reset(seed=list(range(8)))
        results.append(envs_.step(actions))
    (_, sync_rewards, _, _, sync_infos), (_, native_rewards, _, _, native_infos) = results
    np.testing.assert_allclose(sync_rewards, native_rewards, rtol=1e-6)
    assert list(sync_infos["final_info"]["mode"]) == list(native_infos["final_info"]["mode"])
    assert set(sync_infos) == set(native_infos)


def test_mirror_symmetry_leaves_the_reward_unchanged():
    env = gym.make("TwoBales-v0")
    (mirror,) = env.unwrapped.symmetries
    for seed, position in zip(range(20), np.linspace(-2, 2, 20), strict=True):
        observation, _ = env.reset(seed=seed)
        _, reward, *_ = env.step(np.array([position], dtype=np.float32))
        env.reset(options={"observation": mirror.observation(observation)})
        _, mirrored, *_ = env.step(mirror.action(np.array([position], dtype=np.float32)))
        assert mirrored == pytest.approx(reward, abs=1e-6)


def test_renders_text_and_image():
    text_env = TwoBalesEnv(center=0.0, half_gap=0.5, render_mode="ansi")
    text_env.reset(seed=0)
    text_env.step(np.array([0.5], dtype=np.float32))
    text = text_env.render()
    assert isinstance(text, str) and text.count("H") == 1 and "D" in text  # the donkey stands on a bale
    image_env = TwoBalesEnv(render_mode="rgb_array")
    image_env.reset(seed=0)
    image = image_env.render()
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


def test_the_observation_is_the_scene_c_d_from_reset_to_the_end():
    env = TwoBalesEnv(center=0.2, half_gap=0.6)
    space = env.observation_space
    assert space.low.tolist() == space.high.tolist() == pytest.approx([0.2, 0.6])  # a fixed scene
    start, _ = env.reset(seed=3)
    np.testing.assert_array_equal(start, np.float32([0.2, 0.6]))
    end, reward, *_ = env.step(np.float32([0.8]))  # c + d: the right bale
    np.testing.assert_array_equal(end, start)  # the terminal observation is the scene just played
    assert reward == pytest.approx(1.0)
    drawn = TwoBalesEnv()
    np.testing.assert_array_equal(drawn.observation_space.low, np.float32([-0.5, 0.4]))
    np.testing.assert_array_equal(drawn.observation_space.high, np.float32([0.5, 0.8]))
    given, _ = drawn.reset(options={"observation": [-0.3, 0.45]})
    np.testing.assert_array_equal(given, np.float32([-0.3, 0.45]))
    _, reward, _, _, info = drawn.step(np.float32([-0.75]))  # c - d: the left bale of the scene given
    assert reward == pytest.approx(1.0) and info["mode"] == "left"


def test_a_vector_step_ends_every_episode_and_observes_the_next_scenes_it_scores():
    vector = gym.make_vec("TwoBales-v0", 64)
    observations, _ = vector.reset(seed=list(range(64)))
    right_bales = observations[:, :1] + observations[:, 1:]
    next_observations, rewards, terminated, truncated, infos = vector.step(right_bales)
    assert terminated.all() and not truncated.any()
    np.testing.assert_allclose(rewards, 1.0, atol=1e-6)
    assert list(infos["final_info"]["mode"]) == ["right"] * 64
    for i in range(64):
        np.testing.assert_array_equal(infos["final_obs"][i], observations[i])
    # The next scenes: fresh draws of c ~ U[-0.5, 0.5], d ~ U[0.4, 0.8], and the ones the next step scores.
    assert next_observations.dtype == np.float32 and len(np.unique(next_observations[:, 0])) == 64
    assert not (next_observations == observations).all(axis=1).any()  # no copy plays its scene again
    assert (np.abs(next_observations[:, 0]) <= 0.5).all()
    assert ((next_observations[:, 1] >= 0.4) & (next_observations[:, 1] <= 0.8)).all()
    left_bales = next_observations[:, :1] - next_observations[:, 1:]
    _, rewards, _, _, infos = vector.step(left_bales)
    np.testing.assert_allclose(rewards, 1.0, atol=1e-6)
    assert list(infos["final_info"]["mode"]) == ["left"] * 64
    np.testing.assert_array_equal(infos["final_obs"], next_observations)
    fixed = gym.make_vec("TwoBales-v0", 4, center=0.2, half_gap=0.6)
    fixed.reset(seed=0)
    np.testing.assert_array_equal(fixed.step(np.zeros((4, 1), np.float32))[0], np.float32([[0.2, 0.6]] * 4))
