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
from rlnoise.bottleneck import bottleneck_figures, bottleneck_kl
from rlnoise.bounds import outside_penalty
from rlnoise.contract import expert
from rlnoise.gradients import DelayedGradients, clip_gradients, make_optimizer
from rlnoise.logger import loss_tags
from rlnoise.plan import Plan
from rlnoise.run import Run


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


def train(plan: Plan, run: Run) -> None:
    """Train `run.policy` to clone the env's expert as `plan.config` says."""
    config, policy, collector = plan.config, run.policy, run.collector
    teacher = expert(plan.env)
    observation_shape = plan.env.observation_space.shape
    parameters = list(policy.parameters())
    optimizer = make_optimizer(config, parameters)
    delayed = DelayedGradients(parameters, config.grad_delay)  # each step's gradients applied late
    modules = {"policy": policy, "optimizer": optimizer, "delayed": delayed}
    run.restore(modules)  # from the run's checkpoint, when it has one

    for update in run.updates():
        # Collect a rollout with the policy, and the expert's action on every observation of it
        # (its generator seeded by the run's seed and the update, so a resumed run draws the same).
        finished_returns = collector.collect(lambda observations: policy.distribution(observations).sample())
        observations, _ = collector.batch()
        shown = observations.cpu().numpy().reshape(-1, *observation_shape)
        actions = teacher(shown, np.random.default_rng([config.seed, update]))
        targets = policy_outputs(plan.adapter, actions, config.device)

        # The negative log-likelihood of the expert's actions, plus the bottleneck's weighted KL
        # (that of this forward pass; 0 without a bottleneck).
        distribution = policy.distribution(observations)
        bc_loss = -distribution.log_prob(targets).mean()
        loss = bc_loss + config.beta * bottleneck_kl(policy)
        figures = {"bc loss": bc_loss, "entropy": distribution.entropy().mean(), **bottleneck_figures(policy)}

        # The gradient step: the penalty that keeps a point policy inside its box, the divergence
        # guard, clipping, gradient noise, the delay.
        optimizer.zero_grad()
        (loss + outside_penalty(policy, plan.adapter, observations)).backward()
        norm = run.guard(parameters, figures, loss)
        clip_gradients(parameters, config.max_grad_norm, norm)
        run.sources.perturb_gradients(update - 1)
        delayed.step(optimizer)  # optimizer.step() on the gradients of --grad-delay steps before

        run.log(finished_returns, {**loss_tags(figures), **delayed.scalars()})
        if update % config.eval_every == 0:
            run.checkpoint(modules)
