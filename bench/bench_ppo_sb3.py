"""rlnoise's PPO against Stable-Baselines3's PPO on TwoBales-v0, the same number of env steps.

Both train a categorical policy over the same 41 evenly spaced positions (`--bins`): SB3's
`PPO("MlpPolicy")` with its defaults on TwoBales-v0 whose Box action is split into the same 41
values, and rlnoise's `--algo ppo --agent categorical` twice: with SB3's objective (`--ent-coef 0`,
SB3's default entropy coefficient, all else rlnoise's defaults) and with all of rlnoise's
defaults (`--ent-coef 0.2`, the bonus that makes it cover; its sampled return levels off near
0.79). Prints, for each, from one run (the machine may be shared, so compare figures of the same
run): the wall time, the training steps per second, the final sampled return and the outcomes,
both measured by rlnoise's evaluation on the same start states, and the ratio of the wall times.
Then, for each rlnoise setting, the time to reach SB3's final return: the shortest run that ends
at or above it, trying half and a quarter of `--steps` while they reach it, else two, three and
four times `--steps` until one does, and the ratio of SB3's time to that run's. `--steps` is
rounded up to whole SB3 rollouts. Both times leave out imports and building the model (rlnoise
trains a short run first).

Needs the optional bench dependency: pip install -e '.[bench]'.
Usage: python bench/bench_ppo_sb3.py [--steps 98304] [--sb3-envs 8] [--seed 1]
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
from rlnoise.grid.spec import flag_words

BINS = 41
SB3_ROLLOUT_STEPS = 2048
"""Steps per environment of an SB3 PPO rollout (its default `n_steps`): it trains whole rollouts."""
SHORTER, LONGER = (0.5, 0.25), (2, 3, 4)
"""The multiples of `--steps` rlnoise's PPO trains for, in turn, to find the shortest run that
reaches SB3's return: shorter ones while they reach it, else longer ones until one does."""
SETTINGS = {"SB3's objective": {"ent_coef": 0.0}, "rlnoise defaults": {}}
"""The settings rlnoise's PPO trains with, by name, over its defaults."""


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


def rlnoise_ppo(steps: int, seed: int, **settings: Any) -> tuple[float, dict[str, Any]]:
    """Wall seconds and final evaluation of rlnoise's PPO with its defaults but `settings`."""
    from rlnoise.train import train

    with tempfile.TemporaryDirectory() as logdir:
        config = Config(
            algo="ppo", agent="categorical", seed=seed, total_timesteps=steps, logdir=logdir, **settings
        )
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


def trained(
    length: float, steps: int, seed: int, target: float, settings: dict[str, Any]
) -> tuple[float, bool]:
    """Train rlnoise's PPO for `length` x `steps`, print its figures; its seconds, and whether it
    ended at or above `target`."""
    count = int(length * steps)
    seconds, results = rlnoise_ppo(count, seed, **settings)
    print(describe(f"  {length:g}x steps", seconds, count, results), flush=True)
    return seconds, results["sampled"]["return"] >= target


def time_to(target: float, steps: int, seed: int, settings: dict[str, Any], theirs: float) -> float | None:
    """Seconds of the shortest run of rlnoise's PPO that reaches `target` (None if none of up to
    4x the steps does), printing each run and the ratio at the same steps."""
    seconds, reached = trained(1, steps, seed, target, settings)
    print(f"  wall time ratio (SB3 / rlnoise), same steps: {theirs / seconds:.1f}x")
    if reached:  # shorter runs, while they still reach it
        best = seconds
        for length in SHORTER:
            seconds, reached = trained(length, steps, seed, target, settings)
            if not reached:
                break
            best = seconds
        return best
    for length in LONGER:
        seconds, reached = trained(length, steps, seed, target, settings)
        if reached:
            return seconds
    return None


def main() -> None:
    """Train SB3's and rlnoise's PPO, print every figure, then the time rlnoise takes to SB3's return."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps",
        type=int,
        default=98_304,
        help="environment steps each trains for (rounded up to SB3's rollouts)",
    )
    parser.add_argument("--sb3-envs", type=int, default=8, help="environments of SB3's vector env")
    parser.add_argument("--seed", type=int, default=1, help="seed of both runs and of the evaluation")
    args = parser.parse_args()
    rollout = SB3_ROLLOUT_STEPS * args.sb3_envs
    args.steps = -(-args.steps // rollout) * rollout  # SB3 would train the rest of its last rollout
    rlnoise_ppo(1024, args.seed)  # imports and first-call costs, which SB3's timing leaves out too
    theirs, their_results = sb3_ppo(args.steps, args.seed, args.sb3_envs)
    target = their_results["sampled"]["return"]
    print(f"TwoBales-v0, categorical over {BINS} positions, {args.steps:,} env steps each, seed {args.seed}")
    print(describe("SB3 PPO", theirs, args.steps, their_results))
    for name, settings in SETTINGS.items():
        flags = [word for key, value in settings.items() for word in flag_words(key, value)]
        print(f"rlnoise PPO, {name}", *flags, flush=True)
        seconds = time_to(target, args.steps, args.seed, settings, theirs)
        if seconds is None:
            print(f"  did not reach SB3's return {target:.3f} within {LONGER[-1]}x the steps")
        else:
            print(f"  wall time ratio (SB3 / rlnoise) to SB3's return {target:.3f}: {theirs / seconds:.1f}x")


if __name__ == "__main__":
    main()
