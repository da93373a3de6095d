"""The algorithms beside REINFORCE: PPO's pieces against hand-computed values, and what PPO and
behaviour cloning train to on TwoBales-v0."""

import math

import pytest
import torch

from rlnoise.algorithms.ppo import clipped_surrogate
from rlnoise.rollout import discounted_returns, generalized_advantages


def test_the_clipped_surrogate_equals_its_hand_computed_value():
    old = torch.log(torch.tensor([0.25, 0.6]))
    new = torch.log(torch.tensor([0.5, 0.3]))  # ratios 2.0 and 0.5
    advantages = torch.tensor([1.0, -2.0])
    # sample 1: max(-1 * 2.0, -1 * 1.2) = -1.2; sample 2: max(2 * 0.5, 2 * 0.8) = 1.6
    assert clipped_surrogate(new, old, advantages, 0.2).item() == pytest.approx((-1.2 + 1.6) / 2)


def test_gae_on_a_short_episode_with_a_cut_equals_its_hand_computed_value():
    # One env, three steps: an episode ends after step 1, the next one is cut by the rollout's end.
    rewards = torch.tensor([[1.0], [2.0], [3.0]])
    dones = torch.tensor([[0.0], [1.0], [0.0]])
    values = torch.tensor([[0.5], [1.0], [2.0]])
    next_value = torch.tensor([4.0])  # the value the cut episode is bootstrapped from
    advantages = generalized_advantages(rewards, dones, values, next_value, gamma=0.5, gae_lambda=0.5)
    # step 2: 3 + 0.5 * 4 - 2 = 3; step 1 (ends): 2 - 1 = 1; step 0: (1 + 0.5 * 1 - 0.5) + 0.25 * 1
    assert advantages.squeeze(-1).tolist() == pytest.approx([1.25, 1.0, 3.0])
    # With lambda 1 the advantages plus the values are the discounted, bootstrapped returns.
    returns = discounted_returns(rewards, dones, next_value, gamma=0.5)
    full = generalized_advantages(rewards, dones, values, next_value, gamma=0.5, gae_lambda=1.0)
    assert (full + values).squeeze(-1).tolist() == pytest.approx(returns.squeeze(-1).tolist())
    assert math.isclose(returns[0, 0].item(), 1 + 0.5 * 2)
