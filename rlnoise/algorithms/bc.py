"""Behaviour cloning: the policy maximises its log-likelihood of the environment's expert.

The expert (the env's `expert` declaration, rlnoise/contract.py) plays a good answer drawn evenly
over the good answers. Each update collects `num_steps` steps in every environment with the
policy itself (its returns are logged as the other algorithms log theirs), asks the expert for an
action on every observation collected, and takes one gradient step on the negative
log-likelihood of those actions: for a point policy with fixed noise, the squared error to the
expert's point (so it learns the mean of the good answers); for a choice policy, the cross-entropy
on the expert's bin or move (so it learns their distribution). In a one-step environment the
observations are the start states, as plain behaviour cloning has them; in a longer one they are
the states the policy reaches, labelled by the expert (as DAgger labels them).
"""

from __future__ import annotations

import numpy as np
import torch
from gymnasium import spaces

from rlnoise.actions import ActionAdapter, nearest
from rlnoise.config import Config
from rlnoise.contract import expert
from rlnoise.run import Run, adam, loss_tags


def policy_outputs(adapter: ActionAdapter, actions: np.ndarray, device: str) -> torch.Tensor:
    """The policy outputs that play the environment `actions`: the point itself, the nearest bin,
    the action's index, or the action's coordinates."""
    space, count = adapter.action_space, len(actions)
    if isinstance(space, spaces.Box):
        points = np.asarray(actions, dtype=np.float32).reshape(count, -1)
        if adapter.policy_output == "point":
            return torch.as_tensor(points, device=device)
        return torch.as_tensor(nearest(adapter.points, points), device=device)
    index = np.asarray(actions, dtype=np.int64).reshape(count) - int(space.start)
    if adapter.policy_output == "choice":
        return torch.as_tensor(index, device=device)
    return torch.as_tensor(adapter.points[index], dtype=torch.float32, device=device)


def train(config: Config, run: Run) -> None:
    """Train `run.policy` to clone the env's expert as `config` says; `run` logs, evaluates and saves."""
    policy, collector = run.policy, run.collector
    teacher = expert(run.env)
    observation_shape = run.env.observation_space.shape
    optimizer = adam(list(policy.parameters()), config.learning_rate)
    modules = {"policy": policy, "optimizer": optimizer}
    run.restore(modules)

    for update in run.updates():
        # Collect a rollout with the policy, and the expert's action on every observation of it
        # (its generator seeded by the run's seed and the update, so a resumed run draws the same).
        finished_returns = collector.collect(lambda observations: policy.distribution(observations).sample())
        observations, _ = collector.batch()
        shown = observations.cpu().numpy().reshape(-1, *observation_shape)
        actions = teacher(shown, np.random.default_rng([config.seed, update]))
        targets = policy_outputs(run.adapter, actions, config.device)

        # One step on the negative log-likelihood of the expert's actions.
        distribution = policy.distribution(observations)
        bc_loss = -distribution.log_prob(targets).mean()
        figures = {"bc loss": bc_loss, "entropy": distribution.entropy().mean()}
        run.gradient_step(optimizer, list(policy.parameters()), bc_loss, figures, observations)

        run.log(finished_returns, loss_tags(figures))
        run.end_update(modules)
