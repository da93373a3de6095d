"""Training and evaluation speed of every built-in agent, beside the regression agent's.

Prints, per environment and agent, each figure's median and range over `--rounds` rounds (the
agents timed in turn, `bench/timing.py`) with the load average of its samples:
- `train steps/s`: environment steps per second of a short `rlnoise.train.train` (the env's
  training_defaults apply, as on the command line; `--total-timesteps` steps, one evaluation of
  one episode at the end), and `x regression`, that figure over the regression agent's;
- `eval episodes/s`: episodes per second of one default evaluation (`--eval-contexts` x
  `--eval-samples`, both ways, `rlnoise.evaluation.evaluate`) of the untrained policy, and its
  ratio to the regression agent's.

Each environment starts with one untimed run of the first agent (imports, first calls), so that
no agent's figure pays for them.

Usage: python bench/bench_agents.py [--total-timesteps N] [--envs ID,ID,...] [--agents A,B,...] [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import gymnasium as gym
import torch
from timing import alternate, figure, ratio

from rlnoise import agents, envs  # noqa: F401  registers the built-in environments
from rlnoise.config import Config
from rlnoise.contract import mode_labels
from rlnoise.evaluation import EVALUATIONS, Evaluation, evaluate
from rlnoise.flags import env_defaults, for_agent
from rlnoise.plan import build_policy, make_plan
from rlnoise.train import train


def config_for(env_id: str, agent: str, **settings: object) -> Config:
    """The settings a command line gives `agent` on `env_id`, with `settings` over them."""
    return for_agent(replace(Config(env_id=env_id), **{**env_defaults(env_id, {}), **settings}), agent)


def train_speed(env_id: str, agent: str, total_timesteps: int) -> float:
    """Environment steps per second of a short training run, its final evaluation one episode."""
    with tempfile.TemporaryDirectory() as logdir:
        config = config_for(env_id, agent, total_timesteps=total_timesteps, eval_contexts=1, eval_samples=1)
        start = time.perf_counter()
        result = train(replace(config, logdir=logdir), progress=False)
        return result["global_step"] / (time.perf_counter() - start)


def eval_speed(env_id: str, agent: str) -> float:
    """Episodes per second of one default evaluation, both ways, of the untrained policy."""
    config = config_for(env_id, agent)
    env = gym.make(env_id)
    plan = make_plan(config, env)
    policy, adapter = build_policy(plan), plan.adapter
    evaluation = Evaluation(
        env_id, {}, mode_labels(env), config.eval_contexts, config.eval_samples, config.seed, "cpu"
    )
    evaluation_envs = evaluation.make_envs()
    start = time.perf_counter()
    evaluate(policy, adapter, evaluation, evaluation_envs)
    episodes = len(EVALUATIONS) * config.eval_contexts * config.eval_samples
    return episodes / (time.perf_counter() - start)


def main() -> None:
    """Time every agent on every environment, the agents in turn round after round, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-timesteps", type=int, default=61_440)
    parser.add_argument("--envs", default="TwoBales-v0,GoOpening-v0,MultiGoal-v0")
    parser.add_argument("--agents", default=",".join(agents.AGENTS))
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the agents in turn (default 3)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = args.agents.split(",")
    print(f"median [range] (load average) of {args.rounds} rounds; x regression: per-round ratios")
    for env_id in args.envs.split(","):
        train_speed(env_id, names[0], args.total_timesteps)  # warm-up: imports and first calls
        eval_speed(env_id, names[0])
        samples = alternate(
            {
                agent: lambda agent=agent: {
                    "train": train_speed(env_id, agent, args.total_timesteps),  # noqa: B023
                    "eval": eval_speed(env_id, agent),  # noqa: B023
                }
                for agent in names
            },
            args.rounds,
        )
        base = samples.get("regression", next(iter(samples.values())))
        for agent, figures in samples.items():
            print(f"{env_id} {agent}: train steps/s {figure(figures, 'train', 0)}, x regression "
                  f"{ratio(figures, base, 'train')}; eval episodes/s {figure(figures, 'eval', 0)}, "
                  f"x regression {ratio(figures, base, 'eval')}")  # fmt: skip


if __name__ == "__main__":
    main()
