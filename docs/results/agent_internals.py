"""What the learned-spread agents' runs became: each run's spread, and a mixture's live components.

For each run directory given, on the start states of its evaluation (reset seeds 0..N-1, N its
`eval_contexts`): the mean exploration standard deviation of the policy (`stddev`, per action
coordinate, averaged), and for a mixture the mean weight of its heaviest component, the mean
number of components holding at least 5% of the weight (a dead component holds less) and how far
apart the live ones act: the largest distance between two live components' means (0 when the
live components sit on one point, the distance between two good answers when they cover both).

Usage: python docs/results/agent_internals.py RUN_DIR [RUN_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from rlnoise import envs  # noqa: F401  registers the built-in environments
from rlnoise.evaluation import observation_tensor
from rlnoise.flags import read_config
from rlnoise.plan import build_policy, make_plan

ALIVE = 0.05


def internals(directory: Path) -> str:
    """One line: the run, its mean spread and, for a mixture, its heaviest and live components."""
    config = read_config(directory, None)
    env = gym.make(config.env_id, **config.env_kwargs)
    policy = build_policy(make_plan(config, env))
    policy.load_state_dict(torch.load(directory / "model.pt", weights_only=True))
    starts = np.stack([env.reset(seed=seed)[0] for seed in range(config.eval_contexts)])
    torch.manual_seed(0)  # a flow's spread is estimated from samples: the same figure every time
    with torch.no_grad():
        distribution = policy.distribution(observation_tensor(starts, "cpu"))
        line = f"{directory.name:24} spread {distribution.stddev.mean().item():.3f}"
        if config.agent == "mixture":
            weights = distribution.mixture_distribution.probs
            heaviest = weights.max(dim=-1).values.mean().item()
            alive = (weights >= ALIVE).sum(dim=-1).float().mean().item()
            means = distribution.component_distribution.mean  # [states, components, action]
            live = (weights >= ALIVE)[:, :, None] & (weights >= ALIVE)[:, None, :]
            apart = torch.cdist(means, means).where(live, 0.0).amax(dim=(1, 2)).mean().item()
            line += f"  heaviest weight {heaviest:.3f}  live components {alive:.2f}  apart {apart:.3f}"
    return line


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(internals(Path(name)))
