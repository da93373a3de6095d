"""Memorize-v0: the table its seed fixes, its rewards and expert, held-out keys, its vector env,
and a behaviour-cloned policy that stores the table without generalising from it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from rlnoise import envs  # noqa: F401
from rlnoise.envs.memorize import MAX_ANSWERS, MemorizeEnv, MemorizeVectorEnv, draw_table

SMALL = {"keys": 64, "answers": 4, "key_dim": 8}


def fresh_table(table_seed: int, held_out: bool = False, **sizes: int):
    """The table drawn anew (past the cache that lets envs share it)."""
    arguments = {**SMALL, **sizes}
    return draw_table.__wrapped__(
        arguments["keys"], arguments["answers"], arguments["key_dim"], table_seed, held_out
    )


def test_the_table_is_fixed_by_table_seed_and_not_by_the_training_seed():
    first, again, other = fresh_table(7), fresh_table(7), fresh_table(8)
    np.testing.assert_array_equal(first.keys, again.keys)
    np.testing.assert_array_equal(first.answers, again.answers)
    assert not np.array_equal(first.keys, other.keys) and not np.array_equal(first.answers, other.answers)
    assert first.keys.shape == (64, 8) and first.keys.dtype == np.float32
    assert set(np.unique(first.answers)) == {0, 1, 2, 3}
    for seed in (0, 1, 2):
        env = gym.make("Memorize-v0", **SMALL, table_seed=7)
        observation, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(env.unwrapped.table.keys, first.keys)
        np.testing.assert_array_equal(env.unwrapped.table.answers, first.answers)
        assert (first.keys == observation).all(axis=1).sum() == 1  # the episode asks one of its keys


def test_reward_is_one_exactly_for_the_keys_answer():
    env = gym.make("Memorize-v0", **SMALL)
    table = env.unwrapped.table
    for index in range(0, 64, 9):
        for action in range(4):
            env.reset(options={"observation": table.keys[index]})
            observation, reward, terminated, truncated, info = env.step(action)
            right = action == table.answers[index]
            assert reward == float(right) and (terminated, truncated) == (True, False)
            assert info == {"mode": "right" if right else None, "between": False}
            np.testing.assert_array_equal(observation, table.keys[index])


def test_the_expert_answers_every_key_right():
    vector = gym.make_vec("Memorize-v0", 256, vectorization_mode="vector_entry_point", **SMALL)
    teacher = MemorizeEnv(**SMALL).expert
    table = vector.table
    np.testing.assert_array_equal(teacher(table.keys, np.random.default_rng(0)), table.answers)
    observations, _ = vector.reset(seed=0)
    for _ in range(3):
        observations, rewards, _, _, infos = vector.step(teacher(observations, np.random.default_rng(0)))
        assert (rewards == 1).all() and (infos["final_info"]["mode"] == "right").all()


@pytest.mark.parametrize(("keys", "answers"), [(64, 4), (10, 3), (1, 2), (1000, 1000)])
def test_information_bits_are_keys_times_log2_answers(keys: int, answers: int):
    env = MemorizeEnv(keys=keys, answers=answers, key_dim=4)
    assert env.information_bits == pytest.approx(keys * math.log2(answers))


def test_held_out_keys_are_not_in_the_table_and_have_answers_of_their_own():
    trained, held_out = MemorizeEnv(**SMALL), MemorizeEnv(**SMALL, held_out=True)
    shared = (trained.table.keys[:, None, :] == held_out.table.keys[None, :, :]).all(axis=-1)
    assert not shared.any()
    assert not np.array_equal(trained.table.answers, held_out.table.answers)
    with pytest.raises(ValueError, match="64 of 64 observations are not keys of this table"):
        trained.expert(held_out.table.keys, np.random.default_rng(0))
    np.testing.assert_array_equal(held_out.expert(held_out.table.keys, None), held_out.table.answers)


def test_keys_stay_distinct_where_draws_repeat():
    table = fresh_table(0, keys=20_000, key_dim=1)  # float32 normals repeat among 40,000 draws
    assert len(np.unique(table.keys)) == 20_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"keys": 0}, "keys must be an integer >= 1, got 0"),
        ({"answers": 1}, "answers must be an integer >= 2, got 1"),
        ({"key_dim": 0}, "key_dim must be an integer >= 1, got 0"),
        ({"keys": 2.5}, "keys must be an integer >= 1, got 2.5"),
        ({"table_seed": -1}, "table_seed must be an integer >= 0"),
        ({"answers": MAX_ANSWERS + 1}, f"answers must be at most {MAX_ANSWERS}"),
        ({"keys": 10**9}, "keys \\* key_dim must be at most 33554432"),
    ],
)
def test_bad_arguments_say_what_is_valid(arguments: dict, message: str):
    with pytest.raises(ValueError, match=message):
        gym.make("Memorize-v0", **arguments)


def test_actions_outside_the_answers_are_refused():
    env = gym.make("Memorize-v0", **SMALL)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"integer action\(s\) in \[0, 4\)"):
        env.step(4)


def test_vector_env_equals_single_env_seed_for_seed():
    seeds = list(range(100, 164))
    actions = np.random.default_rng(0).integers(4, size=len(seeds))
    vector = gym.make_vec("Memorize-v0", len(seeds), vectorization_mode="vector_entry_point", **SMALL)
    assert isinstance(vector, MemorizeVectorEnv)
    observations, _ = vector.reset(seed=seeds)
    _, rewards, terminated, truncated, infos = vector.step(actions)
    single = gym.make("Memorize-v0", **SMALL)
    for i, seed in enumerate(seeds):
        observation, _ = single.reset(seed=seed)
        np.testing.assert_array_equal(observations[i], observation)
        final, reward, done, cut, info = single.step(actions[i])
        assert (rewards[i], terminated[i], truncated[i]) == (reward, done, cut)
        np.testing.assert_array_equal(infos["final_obs"][i], final)
        assert infos["final_info"]["mode"][i] == info["mode"]
        assert infos["final_info"]["between"][i] == info["between"]
    assert rewards.sum() not in (0, len(seeds))  # both outcomes were compared


def test_renders_text_and_image():
    env = MemorizeEnv(**SMALL, render_mode="ansi")
    env.reset(seed=0)
    answer = int(env.table.answers[env.index])
    env.step((answer + 1) % 4)
    assert env.render() == f"key {env.index} of 64: answer {answer}, played {(answer + 1) % 4} (wrong)\n"
    image_env = MemorizeEnv(**SMALL, render_mode="rgb_array")
    image_env.reset(seed=0)
    image = image_env.render()
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


@pytest.mark.slow
def test_behaviour_cloning_stores_the_table_and_nothing_that_generalises(tmp_path: Path) -> None:
    """The categorical agent cloning the expert answers all 64 keys (128 bits) right, and held-out
    keys at chance (1 in 4): what it holds is memory."""
    import torch

    from rlnoise.cli import main
    from rlnoise.commands.evaluate import load_policy
    from rlnoise.flags import read_config
    from rlnoise.plan import make_plan

    flags = ["--env-id", "Memorize-v0", "--agent", "categorical", "--algo", "bc"]
    flags += ["--env-kwargs", json.dumps(SMALL), "--total-timesteps", "51200", "--num-envs", "256"]
    assert main(["train", *flags, "--logdir", str(tmp_path), "--run-name", "bc"]) == 0
    run = tmp_path / "bc"
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["deterministic"]["hit_rate"] == 1.0 and evaluation["sampled"]["hit_rate"] > 0.95
    plan = make_plan(read_config(run, None))
    policy, adapter = load_policy(run, plan), plan.adapter
    hit_rates = []
    for held_out in (False, True):
        table = MemorizeEnv(**SMALL, held_out=held_out).table
        with torch.no_grad():
            choices = adapter.to_env(policy.greedy(torch.tensor(table.keys)).numpy())
        hit_rates.append(float((choices == table.answers).mean()))
    assert hit_rates[0] == 1.0 and hit_rates[1] < 0.45, hit_rates
