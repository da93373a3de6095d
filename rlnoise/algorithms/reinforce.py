"""REINFORCE with a learned baseline and an entropy bonus, on a vector environment.

Each update collects `num_steps` steps in every environment with the policy, computes the
discounted returns (bootstrapped from the baseline where the rollout cut an episode short), and
takes one gradient step on the policy gradient with the baseline subtracted, an entropy bonus
and the baseline's regression on the returns. Every `eval_every` updates the run evaluates and
saves a checkpoint.
"""

from __future__ import annotations

from rlnoise.bottleneck import bottleneck_figures, bottleneck_kl
from rlnoise.bounds import outside_penalty
from rlnoise.gradients import DelayedGradients, clip_gradients, with_baseline
from rlnoise.logger import loss_tags
from rlnoise.plan import Plan
from rlnoise.rollout import discounted_returns, normalized
from rlnoise.run import Run


def train(plan: Plan, run: Run) -> None:
    """Train `run.policy` with REINFORCE as `plan.config` says."""
    config, policy, collector = plan.config, run.policy, run.collector
    baseline, parameters, optimizer = with_baseline(plan, policy)
    delayed = DelayedGradients(parameters, config.grad_delay)  # each step's gradients applied late
    modules = {"policy": policy, "baseline": baseline, "optimizer": optimizer, "delayed": delayed}
    run.restore(modules)  # from the run's checkpoint, when it has one

    for update in run.updates():
        # Collect a rollout of `num_steps` steps in every environment.
        finished_returns = collector.collect(lambda observations: policy.distribution(observations).sample())

        # Returns: discounted rewards to the end of each episode, bootstrapped from the
        # baseline's value where the rollout cut an episode short.
        next_value = collector.next_values(baseline)
        returns = discounted_returns(collector.rewards, collector.dones, next_value, config.gamma).reshape(-1)

        # Policy gradient with the baseline subtracted, an entropy bonus, the baseline's
        # regression on the returns, and the bottleneck's weighted KL (of this forward pass).
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
        loss = loss + config.beta * bottleneck_kl(policy)  # 0 without a bottleneck
        figures = {"policy loss": policy_loss, "value loss": value_loss, "entropy": entropy}
        figures.update(bottleneck_figures(policy))

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
