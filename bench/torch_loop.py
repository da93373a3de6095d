"""A minimal pure-torch loop of rlnoise's default algorithm (and of behaviour cloning, `--algo bc`),
the yardstick of `bench_train.py` (and `bench_capacity.py`).

REINFORCE with a learned baseline and an entropy bonus, as `rlnoise/algorithms/reinforce.py`
trains a categorical agent, written with torch, numpy and gymnasium alone: per update, `num_steps`
steps of every copy of the env's vector env (gymnasium's `make_vec`, the env's native one where
it registers one), the actions sampled from a categorical policy over the env's actions (a
`Discrete` space's actions, or a `Box` split into `bins` evenly spaced values per dimension); the
returns discounted by `gamma` to each episode's end, bootstrapped from the baseline where the
rollout cut an episode short (no baseline forward when every episode ended at the last step);
one step of Adam (multi-tensor) over both tanh networks (two hidden layers of `hidden` units)
on the policy gradient with the baseline subtracted (the advantages normalised with
`--norm-adv`), minus `ent_coef` times the entropy, plus half the baseline's squared error. No
evaluation, no logging, no checkpoint, no checks. With `--algo bc`, each update samples the
policy's actions and steps the envs alike, then takes one Adam step on the cross-entropy of the
env's declared expert's answers on the observations collected (no baseline), as
`rlnoise/algorithms/bc.py` does. It starts as a plain torch script does: its imports collect
garbage as they go, and `torch.optim.Adam`'s constructor imports `torch._dynamo` (about 0.9 s),
which rlnoise's own optimisers (`rlnoise/optimizers.py`) never import; so its start-up is longer
than a run's, and a fresh run can end before it.

Prints one JSON line: `imports`, the seconds from the script's start to its imports' end
(the interpreter's own start is not in it), and `train`, the seconds of the training. With
`--warm`, a one-update run trains first, so that `train` is a run's steady work.

Usage: python bench/torch_loop.py --env-id TwoBales-v0 --num-envs 1024 --num-steps 1
       --total-timesteps 614400 [--algo bc --learning-rate 3e-3 --ent-coef 0.2 --gamma 0.99
       --hidden 64 --bins N --norm-adv --warm]
"""

import time

START = time.perf_counter()

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import rlnoise.envs  # noqa: E402, F401  registers the built-in environments (entry points only)


def network(inputs: int, outputs: int, hidden: int) -> nn.Sequential:
    """A tanh network with two hidden layers."""
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, outputs)
    )


def action_table(space: gym.Space, bins: int | None) -> np.ndarray:
    """The env action of each choice: a `Discrete` space's actions, or a `Box`'s grid of `bins` values."""
    if isinstance(space, gym.spaces.Discrete):
        return np.arange(space.n) + int(space.start)
    bins = bins or (41 if space.shape == (1,) else max(2, int(128 ** (1 / int(np.prod(space.shape))) + 1e-9)))
    lows, highs = space.low.ravel(), space.high.ravel()
    axes = [np.linspace(low, high, bins) for low, high in zip(lows, highs, strict=True)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))
    return points.reshape(-1, *space.shape).astype(space.dtype)


def flat_tensor(observations: np.ndarray) -> torch.Tensor:
    """A batch of observations as a float tensor of flat feature vectors."""
    return torch.as_tensor(observations, dtype=torch.float32).reshape(len(observations), -1)


def train(args: argparse.Namespace, total_timesteps: int) -> None:
    """Train for `total_timesteps` steps as the module's docstring says."""
    torch.manual_seed(args.seed)
    envs = gym.make_vec(args.env_id, args.num_envs)
    actions = action_table(envs.single_action_space, args.bins)
    size = int(np.prod(envs.single_observation_space.shape))
    policy, baseline = network(size, len(actions), args.hidden), network(size, 1, args.hidden)
    parameters = [*policy.parameters(), *baseline.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=args.learning_rate, foreach=True)
    steps, envs_count = args.num_steps, args.num_envs
    observations = torch.zeros(steps, envs_count, size)
    choices = torch.zeros(steps, envs_count, dtype=torch.long)
    rewards, dones = torch.zeros(steps, envs_count), torch.zeros(steps, envs_count)
    observation, _ = envs.reset(seed=args.seed)
    for _ in range(max(1, total_timesteps // (steps * envs_count))):
        for step in range(steps):
            observations[step] = flat_tensor(observation)
            with torch.no_grad():
                choices[step] = torch.distributions.Categorical(logits=policy(observations[step])).sample()
            observation, reward, terminated, truncated, _ = envs.step(actions[choices[step].numpy()])
            rewards[step] = torch.as_tensor(reward, dtype=torch.float32)
            dones[step] = torch.as_tensor(terminated | truncated, dtype=torch.float32)
        with torch.no_grad():
            future = torch.zeros(envs_count)
            if not dones[-1].all():
                future = baseline(flat_tensor(observation))[:, 0]
            returns = torch.zeros_like(rewards)
            for step in reversed(range(steps)):
                future = rewards[step] + args.gamma * (1.0 - dones[step]) * future
                returns[step] = future
        flat = observations.reshape(-1, size)
        distribution = torch.distributions.Categorical(logits=policy(flat))
        values = baseline(flat)[:, 0]
        advantages = returns.reshape(-1) - values.detach()
        if args.norm_adv:
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        policy_loss = -(distribution.log_prob(choices.reshape(-1)) * advantages).mean()
        value_loss = 0.5 * ((returns.reshape(-1) - values) ** 2).mean()
        loss = policy_loss - args.ent_coef * distribution.entropy().mean() + value_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    envs.close()


def train_bc(args: argparse.Namespace, total_timesteps: int) -> None:
    """Behaviour cloning of the env's expert for `total_timesteps` steps (`--algo bc`)."""
    torch.manual_seed(args.seed)
    envs = gym.make_vec(args.env_id, args.num_envs)
    teacher = gym.make(args.env_id).unwrapped.expert
    size = int(np.prod(envs.single_observation_space.shape))
    policy = network(size, int(envs.single_action_space.n), args.hidden)
    optimizer = torch.optim.Adam(list(policy.parameters()), lr=args.learning_rate, foreach=True)
    observation, _ = envs.reset(seed=args.seed)
    for update in range(max(1, total_timesteps // args.num_envs)):
        shown = flat_tensor(observation)
        with torch.no_grad():
            choices = torch.distributions.Categorical(logits=policy(shown)).sample()
        answers = teacher(observation, np.random.default_rng([args.seed, update]))
        observation, *_ = envs.step(choices.numpy())
        distribution = torch.distributions.Categorical(logits=policy(shown))
        loss = -distribution.log_prob(torch.as_tensor(answers)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    envs.close()


def main() -> None:
    """Parse the settings, train, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="TwoBales-v0")
    parser.add_argument("--num-envs", type=int, default=1024)
    parser.add_argument("--num-steps", type=int, default=1)
    parser.add_argument("--total-timesteps", type=int, default=614_400)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--ent-coef", type=float, default=0.2)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--bins", type=int, default=None)
    parser.add_argument("--norm-adv", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--algo", choices=("reinforce", "bc"), default="reinforce")
    parser.add_argument("--warm", action="store_true", help="train a one-update run first, untimed")
    args = parser.parse_args()
    if ":" in args.env_id:  # `module:Name-vN`, the module from the current directory too
        sys.path.insert(0, os.getcwd())
        importlib.import_module(args.env_id.split(":")[0])
        args.env_id = args.env_id.split(":")[1]
    torch.set_num_threads(1)
    imports = time.perf_counter() - START
    trainer = train_bc if args.algo == "bc" else train
    if args.warm:
        trainer(args, 1)
    start = time.perf_counter()
    trainer(args, args.total_timesteps)
    print(json.dumps({"imports": imports, "train": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
