"""Rollout storage and collection, and the returns the algorithms compute from a rollout.

A `Collector` steps a vector environment `num_steps` times with a policy's outputs and keeps,
per step and environment, the observation, the policy output, the reward and whether the
episode ended there (terminated or truncated: either way the return stops). The returns are
discounted rewards to the end of each episode, bootstrapped from a value of the observation
that follows the rollout where the rollout cut an episode short.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from gymnasium.vector import VectorEnv

from rlnoise.actions import ActionAdapter
from rlnoise.evaluation import observation_tensor
from rlnoise.noise import NoiseSources


class Collector:
    """A vector env, the storage of one rollout in it, and the episodes' running returns."""

    def __init__(
        self,
        envs: VectorEnv,
        adapter: ActionAdapter,
        num_steps: int,
        observation_size: int,
        device: str,
        sources: NoiseSources,
    ):
        self.envs, self.adapter, self.num_steps, self.device = envs, adapter, num_steps, device
        self.sources = sources
        """The noise sources' hooks (`rlnoise.noise`): acting, after each step, after the rollout."""
        num_envs = envs.num_envs
        output_shape, output_type = (
            ((), torch.long) if adapter.policy_output == "choice" else ((adapter.action_size,), torch.float32)
        )
        self.observations = torch.zeros((num_steps, num_envs, observation_size), device=device)
        self.outputs = torch.zeros((num_steps, num_envs, *output_shape), dtype=output_type, device=device)
        self.rewards = torch.zeros((num_steps, num_envs), device=device)
        self.dones = torch.zeros((num_steps, num_envs), device=device)
        self.episode_returns = np.zeros(num_envs)
        self.ended_returns = np.zeros((num_steps, num_envs))
        """Each episode's return so far at each step of the rollout (the whole return where it ended)."""
        self.ended = np.zeros((num_steps, num_envs), dtype=bool)
        self.actions = np.zeros(0)
        """The environment actions of the rollout's last step."""

    def reset(self, seed: int) -> None:
        """Start every environment afresh from `seed`."""
        self.next_observation, _ = self.envs.reset(seed=seed)
        self.episode_returns[:] = 0.0
        self.sources.restarted()

    def collect(self, choose: Callable[[torch.Tensor], torch.Tensor]) -> np.ndarray:
        """Fill the storage with `num_steps` steps of every env, acting with the outputs `choose`
        gives for a batch of observations; the returns of the episodes that ended, step by step."""
        for step in range(self.num_steps):
            self.observations[step] = observation_tensor(self.next_observation, self.device)
            with torch.no_grad(), self.sources.acting():
                self.outputs[step] = choose(self.observations[step])
            self.actions = self.adapter.to_env(self.outputs[step].cpu().numpy())
            self.next_observation, reward, terminated, truncated, _ = self.envs.step(self.actions)
            done = terminated | truncated
            self.rewards[step] = torch.as_tensor(reward, dtype=torch.float32, device=self.device)
            self.dones[step] = torch.as_tensor(done, dtype=torch.float32, device=self.device)
            self.sources.stepped(self.dones[step])
            self.episode_returns += reward
            self.ended_returns[step], self.ended[step] = self.episode_returns, done
            self.episode_returns[done] = 0.0
        self.sources.collected(self.next_observations())
        return self.ended_returns[self.ended]

    def next_observations(self) -> torch.Tensor:
        """The observations that follow the rollout, as a tensor (for the bootstrap value)."""
        return observation_tensor(self.next_observation, self.device)

    @torch.no_grad()
    def next_values(self, value: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """`value` of the observations that follow the rollout, `[envs]`, without gradient; zeros when
        every episode ended at the rollout's last step (a one-step env), as the returns then never
        use them."""
        if self.ended[-1].all():
            return torch.zeros(self.envs.num_envs, device=self.device)
        return value(self.next_observations()).squeeze(-1)

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The rollout's observations and outputs, flattened over steps and environments."""
        observations = self.observations.reshape(-1, self.observations.shape[-1])
        return observations, self.outputs.reshape(-1, *self.outputs.shape[2:])


def discounted_returns(
    rewards: torch.Tensor, dones: torch.Tensor, next_value: torch.Tensor, gamma: float
) -> torch.Tensor:
    """Discounted rewards to each episode's end, `[steps, envs]`, bootstrapped from `next_value`
    (the value after the last step) where the rollout cut an episode short."""
    returns = torch.zeros_like(rewards)
    future = next_value
    for step in reversed(range(len(rewards))):
        future = rewards[step] + gamma * (1.0 - dones[step]) * future
        returns[step] = future
    return returns


def generalized_advantages(
    rewards: torch.Tensor,
    dones: torch.Tensor,
    values: torch.Tensor,
    next_value: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> torch.Tensor:
    """GAE(gamma, lambda) advantages, `[steps, envs]`: the lambda-weighted sum of TD errors to each
    episode's end, bootstrapped from `next_value` where the rollout cut an episode short."""
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for step in reversed(range(len(rewards))):
        following = next_value if step == len(rewards) - 1 else values[step + 1]
        live = 1.0 - dones[step]
        delta = rewards[step] + gamma * live * following - values[step]
        last = delta + gamma * gae_lambda * live * last
        advantages[step] = last
    return advantages


def normalized(advantages: torch.Tensor) -> torch.Tensor:
    """Advantages shifted and scaled to mean 0 and standard deviation 1 (`--norm-adv`)."""
    return (advantages - advantages.mean()) / (advantages.std() + 1e-8)
