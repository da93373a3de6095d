"""REINFORCE with a learned baseline and an entropy bonus, on a vector environment.

Each update collects `num_steps` steps in every environment with the policy, computes the
discounted returns (bootstrapped from the baseline where the rollout cut an episode short), and
takes one gradient step on the policy gradient with the baseline subtracted, an entropy bonus
and the baseline's regression on the returns.
"""

from __future__ import annotations

import torch

from rlnoise.config import Config
from rlnoise.rollout import discounted_returns, normalized
from rlnoise.run import Run, loss_tags, with_baseline


def train(config: Config, run: Run) -> None:
    """Train `run.policy` with REINFORCE as `config` says; `run` logs, evaluates and saves."""
    policy, collector = run.policy, run.collector
    baseline, parameters, optimizer, modules = with_baseline(config, run)

    for _ in run.updates():
        # Collect a rollout of `num_steps` steps in every environment.
        finished_returns = collector.collect(lambda observations: policy.distribution(observations).sample())

        # Returns: discounted rewards to the end of each episode, bootstrapped from the
        # baseline's value where the rollout cut an episode short.
        with torch.no_grad():
            next_value = collector.next_values(baseline)
            returns = discounted_returns(collector.rewards, collector.dones, next_value, config.gamma)
        returns = returns.reshape(-1)

        # Policy gradient with the baseline subtracted, an entropy bonus, and the baseline's
        # regression on the returns.
        observations, outputs = collector.batch()
        distribution = policy.distribution(observations)
        log_prob = distribution.log_prob(outputs)
        values = baseline(observations).squeeze(-1)
        advantages = returns - values.detach()
        if config.norm_adv:
            advantages = normalized(advantages)
        policy_loss = -(log_prob * advantages).mean()
        entropy = distribution.entropy().mean()
        value_loss = 0.5 * ((returns - values) ** 2).mean()
        loss = policy_loss - config.ent_coef * entropy + value_loss
        figures = {"policy loss": policy_loss, "value loss": value_loss, "entropy": entropy}
        run.gradient_step(optimizer, parameters, loss, figures, observations)

        run.log(finished_returns, loss_tags(figures))
        run.end_update(modules)
