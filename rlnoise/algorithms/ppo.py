"""PPO with a clipped surrogate objective, generalized advantage estimates and an entropy bonus,
after CleanRL's `ppo.py` (its settings, under its names), on a vector environment.

Each update collects `num_steps` steps in every environment with the policy, computes GAE
advantages with the learned value function (the baseline) and takes `update_epochs` passes over
the rollout in `num_minibatches` shuffled minibatches. A minibatch's loss is the clipped
surrogate (the probability ratio of the new and the old policy held in `1 +- clip_coef`), minus
the entropy bonus, plus the value function's regression on the returns (clipped alike with
`clip_vloss`). `anneal_lr` decays the learning rate to 0 over training, and `target_kl` ends an
update's epochs early once the policy has moved that far. It logs, as CleanRL does, the last
minibatch's losses, the share of ratios clipped over every minibatch of the update, and the
explained variance of the returns by the values.

Where it differs from CleanRL, on purpose: Adam keeps torch's `eps` (1e-8, CleanRL 1e-5) and the
networks keep torch's default initialisation (CleanRL's is orthogonal), the same optimiser and
networks as REINFORCE and behaviour cloning, so that a comparison of the three algorithms
changes the algorithm alone; and the policy and the value function are the agent's network and
a separate `mlp` (as CleanRL's separate actor and critic).
"""

from __future__ import annotations

import torch

from rlnoise.agents.base import Policy
from rlnoise.bottleneck import bottleneck_figures, bottleneck_kl
from rlnoise.bounds import outside_penalty
from rlnoise.config import Config
from rlnoise.gradients import DelayedGradients, clip_gradients, with_baseline
from rlnoise.logger import loss_tags
from rlnoise.plan import Plan
from rlnoise.rollout import Collector, generalized_advantages, normalized
from rlnoise.run import Run


def clipped_surrogate(
    log_prob: torch.Tensor, old_log_prob: torch.Tensor, advantages: torch.Tensor, clip_coef: float
) -> torch.Tensor:
    """PPO's policy loss: the mean of the worse of the ratio's and the clipped ratio's objective."""
    ratio = (log_prob - old_log_prob).exp()
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
    return torch.max(unclipped, clipped).mean()


def value_loss(
    values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, clip_coef: float | None
) -> torch.Tensor:
    """Half the mean squared error to the returns; with `clip_coef`, the worse of the new values'
    and of the values moved at most `clip_coef` from the old ones."""
    unclipped = (values - returns) ** 2
    if clip_coef is None:
        return 0.5 * unclipped.mean()
    clipped = (old_values + torch.clamp(values - old_values, -clip_coef, clip_coef) - returns) ** 2
    return 0.5 * torch.max(unclipped, clipped).mean()


def minibatch_loss(
    config: Config, policy: Policy, baseline: torch.nn.Module, batch: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A minibatch's loss: the clipped surrogate, minus the entropy bonus, plus the weighted value
    loss and the bottleneck's weighted KL (of this forward pass); and its figures, with how far
    the policy moved (approximate KL, share of ratios clipped)."""
    distribution = policy.distribution(batch["observations"])
    log_prob = distribution.log_prob(batch["outputs"])
    with torch.no_grad():
        log_ratio = log_prob - batch["log_prob"]
        approx_kl = ((log_ratio.exp() - 1) - log_ratio).mean()
        clip_fraction = ((log_ratio.exp() - 1.0).abs() > config.clip_coef).float().mean()
    advantages = normalized(batch["advantages"]) if config.norm_adv else batch["advantages"]
    policy_loss = clipped_surrogate(log_prob, batch["log_prob"], advantages, config.clip_coef)
    entropy = distribution.entropy().mean()
    values = baseline(batch["observations"]).squeeze(-1)
    clip_values = config.clip_coef if config.clip_vloss else None
    v_loss = value_loss(values, batch["values"], batch["returns"], clip_values)
    loss = policy_loss - config.ent_coef * entropy + config.vf_coef * v_loss
    loss = loss + config.beta * bottleneck_kl(policy)  # 0 without a bottleneck
    figures = {"policy loss": policy_loss, "value loss": v_loss, "entropy": entropy}
    figures.update(bottleneck_figures(policy))
    return loss, {**figures, "approx kl": approx_kl, "clip fraction": clip_fraction}


@torch.no_grad()
def rollout_batch(
    config: Config, policy: Policy, baseline: torch.nn.Module, collector: Collector
) -> dict[str, torch.Tensor]:
    """The collected rollout, flattened, with what the old policy and values say of it: the
    log-probabilities of its outputs, the values, the GAE advantages and the returns they imply."""
    observations, outputs = collector.batch()
    old_values = baseline(observations).squeeze(-1)
    next_value = collector.next_values(baseline)
    values = old_values.reshape(collector.rewards.shape)
    advantages = generalized_advantages(
        collector.rewards, collector.dones, values, next_value, config.gamma, config.gae_lambda
    ).reshape(-1)
    return {
        "observations": observations,
        "outputs": outputs,
        "log_prob": policy.distribution(observations).log_prob(outputs),
        "values": old_values,
        "advantages": advantages,
        "returns": advantages + old_values,
    }


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> float:
    """1 - Var(returns - values) / Var(returns): the share of the returns' variance the values
    explain (1: all of it; 0: no better than their mean; nan when the returns do not vary)."""
    variance = returns.var()
    return float("nan") if variance == 0 else float(1 - (returns - values).var() / variance)


def train(plan: Plan, run: Run) -> None:
    """Train `run.policy` with PPO as `plan.config` says."""
    config, policy, collector = plan.config, run.policy, run.collector
    baseline, parameters, optimizer = with_baseline(plan, policy)
    delayed = DelayedGradients(parameters, config.grad_delay)  # each step's gradients applied late
    modules = {"policy": policy, "baseline": baseline, "optimizer": optimizer, "delayed": delayed}
    run.restore(modules)  # from the run's checkpoint, when it has one
    minibatch_size = max(1, plan.batch_size // config.num_minibatches)

    for update in run.updates():
        if config.anneal_lr:
            optimizer.param_groups[0]["lr"] = config.learning_rate * (1.0 - (update - 1) / run.num_updates)

        # Collect a rollout; the old policy's log-probabilities and values, and GAE advantages.
        finished_returns = collector.collect(lambda observations: policy.distribution(observations).sample())
        batch = rollout_batch(config, policy, baseline, collector)

        # Epochs of shuffled minibatch steps; they end early once the policy moved `target_kl`.
        clip_fractions = []
        for _ in range(config.update_epochs):
            order = torch.randperm(plan.batch_size, device=config.device)
            for start in range(0, plan.batch_size, minibatch_size):
                index = order[start : start + minibatch_size]
                minibatch = {k: v[index] for k, v in batch.items()}
                loss, figures = minibatch_loss(config, policy, baseline, minibatch)
                clip_fractions.append(figures.pop("clip fraction"))

                # The gradient step: the penalty that keeps a point policy inside its box, the
                # divergence guard, clipping, gradient noise, the delay.
                optimizer.zero_grad()
                (loss + outside_penalty(policy, plan.adapter, minibatch["observations"])).backward()
                norm = run.guard(parameters, figures, loss)
                clip_gradients(parameters, config.max_grad_norm, norm)
                run.sources.perturb_gradients(update - 1)
                delayed.step(optimizer)  # optimizer.step() on the gradients of --grad-delay steps before
            if config.target_kl is not None and figures["approx kl"] > config.target_kl:
                break

        figures["clip fraction"] = torch.stack(clip_fractions).mean()
        run.log(
            finished_returns,
            {
                **loss_tags(figures),
                "losses/explained_variance": explained_variance(batch["values"], batch["returns"]),
                "charts/learning_rate": optimizer.param_groups[0]["lr"],
                **delayed.scalars(),
            },
        )
        if update % config.eval_every == 0:
            run.checkpoint(modules)
