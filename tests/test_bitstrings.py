"""Bitstrings-v0: the dataset its seed fixes, the episode that writes a vector, the maximum-likelihood
expert, the answer table, the bits an autoregressive policy stores of it, and its ceiling."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from rlnoise import envs  # noqa: F401
from rlnoise.agents.base import Policy
from rlnoise.agents.categorical import CategoricalPolicy
from rlnoise.capacity import bits_stored, code_length
from rlnoise.checks import CHECKS
from rlnoise.cli import main
from rlnoise.contract import ContractError, ceiling_bits
from rlnoise.envs.bitstrings import BitstringsEnv, BitstringsVectorEnv, Dataset, _rows

SMALL = {"vectors": 16, "bits": 8}
SHARED = np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0], [0, 1, 1], [1, 1, 0]], dtype=np.uint8)
"""A dataset whose vectors share prefixes, one of them twice."""


def with_dataset(vectors: np.ndarray) -> BitstringsEnv:
    """An env whose dataset is `vectors` (rows of 0/1 bits) instead of a drawn one."""
    env = BitstringsEnv(vectors=len(vectors), bits=vectors.shape[1])
    env.dataset = Dataset(vectors, np.sort(_rows(vectors)))
    return env


def prefix(bits: list[int], length: int) -> np.ndarray:
    """The observation of the bits `bits` written, in a vector of `length`."""
    observation = np.zeros(length, dtype=np.float32)
    observation[: len(bits)] = 2 * np.array(bits, dtype=np.float32) - 1
    return observation


class ExactModel(Policy):
    """The dataset's own autoregressive model: the next bit 1 with the share of the vectors that
    start with the bits written and go on with a 1 (the expert's chance)."""

    output = "choice"

    def __init__(self, env: BitstringsEnv):
        super().__init__(env.observation_space.shape[0], 2)
        self.env = env

    def distribution(self, observations: torch.Tensor) -> Categorical:
        """The next bit's distribution given the bits written."""
        rows = observations.numpy()
        written, bits = rows != 0, rows > 0
        matching = self.env.dataset.count(bits, written)
        ones = self.env.dataset.count(bits, written, after=1) / matching
        return Categorical(probs=torch.tensor(np.stack([1 - ones, ones], axis=1)))

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The likelier bit."""
        return self.distribution(observations).probs.argmax(dim=1)


def test_the_dataset_is_fixed_by_table_seed_and_not_by_the_training_seed():
    first, again, other = (BitstringsEnv(**SMALL, table_seed=seed).dataset for seed in (7, 7, 8))
    np.testing.assert_array_equal(first.vectors, again.vectors)
    assert not np.array_equal(first.vectors, other.vectors)
    assert first.vectors.shape == (16, 8) and set(np.unique(first.vectors)) == {0, 1}
    held_out = BitstringsEnv(**SMALL, table_seed=7, held_out=True).dataset
    assert not np.array_equal(first.vectors, held_out.vectors)
    env = gym.make("Bitstrings-v0", **SMALL, table_seed=7)
    for seed in (0, 1):
        observation, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(observation, np.zeros(8, dtype=np.float32))
        np.testing.assert_array_equal(env.unwrapped.dataset.vectors, first.vectors)


def test_an_episode_writes_a_vector_and_is_rewarded_when_it_is_in_the_dataset():
    env = with_dataset(SHARED)
    for vector, reward in (([1, 0, 0], 1.0), ([0, 1, 1], 1.0), ([0, 0, 0], 0.0), ([1, 0, 1], 0.0)):
        env.reset(seed=0)
        for place, bit in enumerate(vector):
            observation, got, terminated, truncated, info = env.step(bit)
            np.testing.assert_array_equal(observation, prefix(vector[: place + 1], 3))
            last = place == 2
            assert (terminated, truncated) == (last, False) and got == (reward if last else 0.0)
            expected = "in_set" if last and reward else None
            assert info == {"mode": expected, "between": False}
    with pytest.raises(ValueError, match=r"integer action\(s\) in \[0, 2\)"):
        env.step(2)


def test_the_expert_draws_the_next_bit_as_often_as_the_dataset_does():
    env = with_dataset(SHARED)
    # the share of the vectors with the prefix that go on with a 1; a fair coin where none match
    chances = {(): 4 / 5, (1,): 3 / 4, (1, 1): 1 / 3, (1, 0): 0.0, (0,): 1.0, (0, 0): 0.5}
    observations = np.stack([prefix(list(bits), 3) for bits in chances])
    draws = np.stack([env.expert(observations, np.random.default_rng(seed)) for seed in range(4000)])
    np.testing.assert_allclose(draws.mean(axis=0), list(chances.values()), atol=0.03)
    assert draws[:, 3].max() == 0 and draws[:, 4].min() == 1  # the certain bits are certain


def test_the_answer_table_lists_every_decision_of_every_vector():
    env = with_dataset(SHARED)
    rows, answers = env.answer_table()
    assert rows.shape == (15, 3) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[3:6], [prefix([], 3), prefix([1], 3), prefix([1, 1], 3)])
    np.testing.assert_array_equal(answers, SHARED.reshape(-1))
    assert env.information_bits == len(rows) * math.log2(env.action_space.n) == 15
    drawn = BitstringsEnv(**SMALL)
    trained, held_out = drawn.answer_table()[1], drawn.answer_table(held_out=True)[1]
    np.testing.assert_array_equal(trained, drawn.dataset.vectors.reshape(-1))
    np.testing.assert_array_equal(held_out, BitstringsEnv(**SMALL, held_out=True).dataset.vectors.reshape(-1))


def test_a_uniform_policy_stores_nothing_and_the_exact_model_stores_the_ceiling():
    for vectors in (SHARED, BitstringsEnv(**SMALL).dataset.vectors):
        env = with_dataset(vectors)
        rows, answers = env.answer_table()
        uniform = CategoricalPolicy(rows.shape[1], 2, hidden=8, layers=0)
        torch.nn.init.zeros_(uniform.network[0].weight)
        torch.nn.init.zeros_(uniform.network[0].bias)
        assert bits_stored(uniform, rows, answers) == pytest.approx(0.0, abs=1e-5)
        exact = ExactModel(env)
        assert bits_stored(exact, rows, answers) == pytest.approx(env.ceiling_bits, abs=1e-6)
    # five vectors, one of them twice: 15 bits less the entropy code of frequencies (2, 1, 1, 1)
    assert with_dataset(SHARED).ceiling_bits == pytest.approx(15 - (2 * math.log2(5 / 2) + 3 * math.log2(5)))
    # distinct vectors: M * (n - log2 M); the exact model's code length is M log2 M
    distinct = BitstringsEnv(**SMALL)
    assert len(np.unique(distinct.dataset.vectors, axis=0)) == 16 and distinct.ceiling_bits == 16 * (8 - 4)
    assert code_length(ExactModel(distinct), *distinct.answer_table()) == pytest.approx(16 * 4)


def test_the_ceiling_is_declared_or_all_the_information():
    assert ceiling_bits(gym.make("Bitstrings-v0", vectors=64, bits=16)) == 64 * (16 - 6)
    assert ceiling_bits(gym.make("Memorize-v0", keys=64, answers=4)) == 128.0
    assert ceiling_bits(gym.make("TwoBales-v0")) is None


def test_vector_env_writes_as_the_single_env_and_resets_together():
    actions = np.random.default_rng(0).integers(2, size=(8, 32))
    vector = gym.make_vec("Bitstrings-v0", 32, vectorization_mode="vector_entry_point", **SMALL)
    assert isinstance(vector, BitstringsVectorEnv)
    vector.reset(seed=list(range(32)))
    for place in range(8):
        observations, rewards, terminated, _, infos = vector.step(actions[place])
        assert terminated.all() == (place == 7) and ("final_obs" in infos) == (place == 7)
    single = with_dataset(vector.dataset.vectors)
    written = infos["final_obs"]
    np.testing.assert_array_equal(written, 2.0 * actions.T - 1)
    found = single.dataset.contains(written > 0)
    np.testing.assert_array_equal(rewards, found.astype(float))
    assert list(infos["final_info"]["mode"]) == ["in_set" if hit else None for hit in found]
    assert not observations.any()  # every episode started anew


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"vectors": 0}, "vectors must be an integer >= 1, got 0"),
        ({"bits": 2.5}, "bits must be an integer >= 1, got 2.5"),
        ({"table_seed": -1}, "table_seed must be an integer >= 0"),
        ({"vectors": 10**6, "bits": 64}, "vectors \\* bits\\*\\*2 must be at most 33554432"),
    ],
)
def test_bad_arguments_say_what_is_valid(arguments: dict, message: str):
    with pytest.raises(ValueError, match=message):
        gym.make("Bitstrings-v0", **arguments)


def test_renders_text_and_image():
    env = BitstringsEnv(**SMALL, render_mode="ansi")
    env.reset(seed=0)
    first = env.dataset.vectors[0]
    env.step(int(first[0]))
    assert env.render() == f"{first[0]}....... (1 of 8 bits, 16 vectors)\n"
    for bit in first[1:]:
        env.step(int(bit))
    assert env.render() == f"{''.join(map(str, first))} in the dataset (8 of 8 bits, 16 vectors)\n"
    image_env = BitstringsEnv(**SMALL, render_mode="rgb_array")
    image_env.reset(seed=0)
    image = image_env.render()
    assert image.dtype == np.uint8 and image.shape == (40, 400, 3)


def test_random_play_reaches_no_vector_of_a_sparse_dataset():
    with pytest.raises(ContractError, match="no episode reached 'in_set'"):
        CHECKS["modes"]("Bitstrings-v0", {"vectors": 64, "bits": 16})


@pytest.mark.slow  # check-env trains every agent: 2 to 4 s
def test_check_env_passes_on_the_default_dataset(capsys: pytest.CaptureFixture) -> None:
    assert main(["check-env", "Bitstrings-v0"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Bitstrings-v0: all rules pass"


@pytest.mark.slow
def test_behaviour_cloning_stores_most_of_the_ceiling_and_nothing_that_generalises(tmp_path: Path) -> None:
    """The categorical agent cloning the expert on 16 vectors of 8 bits (128 bits, a ceiling of 64)
    stores most of the ceiling (58.1 bits, about 15 s), and no bit of held-out vectors."""
    flags = ["--env-id", "Bitstrings-v0", "--agent", "categorical", "--algo", "bc", "--seed", "1"]
    flags += ["--env-kwargs", json.dumps(SMALL), "--total-timesteps", "409600", "--num-envs", "256"]
    assert main(["train", *flags, "--logdir", str(tmp_path), "--run-name", "bc"]) == 0
    evaluation = json.loads((tmp_path / "bc" / "evaluation.json").read_text())
    assert evaluation["information_bits"] == 128.0
    assert evaluation["bits_stored"] > 0.85 * 64 and evaluation["held_out_bits"] <= 0
    assert evaluation["deterministic"]["hit_rate"] == 1.0
