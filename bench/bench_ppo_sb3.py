"""rlnoise's PPO against Stable-Baselines3's PPO on TwoBales-v0, the same number of env steps.

Both train a categorical policy over the same 41 evenly spaced positions (`--bins`): rlnoise's
`--algo ppo --agent categorical` with its defaults, SB3's `PPO("MlpPolicy")` with its defaults on
TwoBales-v0 whose Box action is split into the same 41 values. Prints, for each, from one run
(the machine may be shared, so compare figures of the same run): the wall time, the training
steps per second, the final sampled return and the outcomes, both measured by rlnoise's
evaluation on the same start states, and the wall-time ratio. Where rlnoise's PPO ends below
SB3's return, it trains again for 2, 3 and up to 4 times the steps, and the last line gives the
ratio of SB3's time to the time rlnoise's PPO took to reach SB3's return.

Needs the optional bench dependency: pip install -e '.[bench]'.
Usage: python bench/bench_ppo_sb3.py [--steps 204800] [--sb3-envs 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlnoise import envs  # noqa: F401  registers TwoBales-v0
from rlnoise.actions import grid, make_adapter
from rlnoise.config import Config
from rlnoise.contract import mode_labels
from rlnoise.evaluation import Evaluation, evaluate

BINS = 41
MAX_LENGTHS = 4
"""rlnoise's PPO trains up to this many times `--steps` to reach SB3's final return."""


class Bins(gym.ActionWrapper):
    """TwoBales with a Discrete action: `BINS` evenly spaced positions, as rlnoise's adapter has them."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.points = grid(env.action_space, BINS)
        self.action_space = gym.spaces.Discrete(len(self.points))

    def action(self, action: Any) -> np.ndarray:
        """The position of bin `action`."""
        return self.points[int(action)].astype(np.float32)


class SB3Policy(torch.nn.Module):
    """An SB3 policy seen as an rlnoise policy (`act`), so that rlnoise's evaluation plays it."""

    def __init__(self, model: Any):
        super().__init__()
        self.model = model

    def act(self, observations: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """The bins SB3's policy picks for a batch of observations."""
        distribution = self.model.policy.get_distribution(observations.to(self.model.device))
        return distribution.get_actions(deterministic=deterministic).cpu()


def rlnoise_ppo(steps: int, seed: int) -> tuple[float, dict[str, Any]]:
    """Wall seconds and final evaluation of rlnoise's PPO with its defaults."""
    from rlnoise.train import train

    with tempfile.TemporaryDirectory() as logdir:
        config = Config(algo="ppo", agent="categorical", seed=seed, total_timesteps=steps, logdir=logdir)
        start = time.perf_counter()
        result = train(config, progress=False)
        return time.perf_counter() - start, result


def sb3_ppo(steps: int, seed: int, num_envs: int) -> tuple[float, dict[str, Any]]:
    """Wall seconds of SB3's PPO with its defaults, and rlnoise's evaluation of its policy."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    vector = make_vec_env("TwoBales-v0", n_envs=num_envs, seed=seed, wrapper_class=Bins)
    model = PPO("MlpPolicy", vector, seed=seed, device="cpu")
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - start
    env = gym.make("TwoBales-v0")
    evaluation = Evaluation("TwoBales-v0", {}, mode_labels(env), 32, 64, seed)
    results, _ = evaluate(SB3Policy(model), make_adapter(env, "choice", BINS), evaluation)
    return seconds, results


def describe(name: str, seconds: float, steps: int, results: dict[str, Any]) -> str:
    """One line of figures."""
    sampled, deterministic = results["sampled"], results["deterministic"]
    return (
        f"{name:12s} {seconds:8.1f} s  {steps / seconds:9,.0f} steps/s  "
        f"sampled return {sampled['return']:.3f} ({sampled['outcome']}), "
        f"deterministic {deterministic['outcome']}"
    )


def main() -> None:
    """Train both, print every figure; then train rlnoise's PPO longer until it reaches SB3's return."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=204_800, help="environment steps each trains for")
    parser.add_argument("--sb3-envs", type=int, default=8, help="environments of SB3's vector env")
    parser.add_argument("--seed", type=int, default=1, help="seed of both runs and of the evaluation")
    args = parser.parse_args()
    ours, our_results = rlnoise_ppo(args.steps, args.seed)
    theirs, their_results = sb3_ppo(args.steps, args.seed, args.sb3_envs)
    print(f"TwoBales-v0, categorical over {BINS} positions, {args.steps:,} env steps each, seed {args.seed}")
    print(describe("rlnoise PPO", ours, args.steps, our_results))
    print(describe("SB3 PPO", theirs, args.steps, their_results))
    print(f"wall time ratio (SB3 / rlnoise), same steps: {theirs / ours:.1f}x")
    target, steps = their_results["sampled"]["return"], args.steps
    while our_results["sampled"]["return"] < target and steps < MAX_LENGTHS * args.steps:
        steps += args.steps
        ours, our_results = rlnoise_ppo(steps, args.seed)
        print(describe(f"rlnoise {steps // args.steps}x", ours, steps, our_results), flush=True)
    if our_results["sampled"]["return"] >= target:
        print(f"wall time ratio (SB3 / rlnoise) to SB3's return {target:.3f}: {theirs / ours:.1f}x")
    else:
        print(f"rlnoise's PPO did not reach SB3's return {target:.3f} within {steps:,} steps")


if __name__ == "__main__":
    main()
