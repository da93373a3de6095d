"""REINFORCE with a learned baseline and an entropy bonus, on a vector environment.

Read top to bottom, with the settings beside it (`rlnoise.config.Config`, one field per
command-line flag): `train` seeds everything, builds the environment, the policy and the
baseline, collects rollouts, computes returns and advantages, takes a gradient step, and
evaluates every `eval_every` updates and at the end. Everything a run writes goes to
`runs/<run-name>/`:

- TensorBoard events (`charts/`, `losses/`, `eval/`, `multimodality/`, the config as text,
  histograms of actions, the picture of where the policy acts (`pictures/policy`, see
  `rlnoise.pictures`) at every evaluation, and the hparams with the final figures: every
  setting, each env keyword argument as `env.KEY`);
- `config.json`, `model.pt` (the policy's weights, saved before each evaluation),
  `evaluation.json` (the final figures), `policy.png` (the final picture), each written whole
  or not at all (`rlnoise.files`);
- `checkpoint.pt`, after each evaluation but the last: everything training carries from one
  update to the next (policy, baseline, optimiser, update counter, random generators). The
  vector env is then reset with a seed drawn from the run's seed and the update, so a run that
  `resume` continues from its checkpoint replays exactly what the uninterrupted run did;
- `manifest.json` (`rlnoise.manifest`): the status, the steps of the weights and the checkpoint,
  the command, the version and the commit.

An interrupted run (Ctrl-C or SIGTERM) stops collecting, evaluates and saves what it has, and
records the step it reached.

A non-finite loss, entropy, gradient or weight stops the run with a `RunError` ("training
diverged at update N: ..."); `model.pt` then holds the last finite weights, from the step named.
`--max-grad-norm` clips the gradient's total norm (off by default).
"""

from __future__ import annotations

import io
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams
from tqdm import tqdm

from rlnoise import agents
from rlnoise.actions import make_adapter
from rlnoise.agents.base import mlp
from rlnoise.bounds import outside_penalty
from rlnoise.config import Config, for_agent, read_config
from rlnoise.contract import mode_labels
from rlnoise.environments import make_vector_env
from rlnoise.errors import RunError, Terminated, UsageError
from rlnoise.evaluation import EVALUATIONS, Evaluation, evaluate, observation_tensor
from rlnoise.files import unique_suffix, write_bytes, write_json
from rlnoise.manifest import provenance, read_manifest, update_manifest
from rlnoise.metrics import FIGURES, OUTCOMES
from rlnoise.names import resolve, run_name
from rlnoise.pictures import picture, save_png

CHECKPOINT = "checkpoint.pt"


def run_directory(config: Config) -> Path:
    """The run's own directory, made new; an existing one is never reused.

    A default name ends in the time and a random tag, so runs started in the same second differ.
    """
    name = config.run_name or run_name(config.agent, config.seed, config.env_id, unique_suffix())
    directory = Path(config.logdir) / name
    try:
        directory.mkdir(parents=True)
    except FileExistsError:
        raise UsageError(
            f"run directory {directory} already exists; choose another --run-name or --logdir"
        ) from None
    except OSError as error:
        raise RunError(f"cannot make run directory {directory}: {error.strerror}") from None
    return directory


def save_torch(data: Any, path: Path) -> None:
    """Write tensors and state dicts to `path` atomically (`rlnoise.files`)."""
    buffer = io.BytesIO()
    torch.save(data, buffer)
    write_bytes(path, buffer.getvalue())


def checkpoint_seed(seed: int, update: int) -> int:
    """The seed the vector env is reset with after the checkpoint of `update`."""
    return int(np.random.SeedSequence([seed, update]).generate_state(1)[0])


def save_checkpoint(path: Path, update: int, global_step: int, modules: dict[str, Any]) -> None:
    """Everything training carries to the next update: the modules' and optimiser's states, the
    counters and the random generators' states."""
    state = np.random.get_state()
    save_torch(
        {
            "update": update,
            "global_step": global_step,
            "torch_rng": torch.get_rng_state(),
            "numpy_rng": [state[0], state[1].tolist(), *state[2:]],
            **{name: module.state_dict() for name, module in modules.items()},
        },
        path,
    )


def load_checkpoint(path: Path, modules: dict[str, Any]) -> tuple[int, int]:
    """Restore what `save_checkpoint` saved into `modules` and the generators; the update and step."""
    checkpoint = torch.load(path, weights_only=True)
    for name, module in modules.items():
        module.load_state_dict(checkpoint[name])
    torch.set_rng_state(checkpoint["torch_rng"])
    name, keys, *rest = checkpoint["numpy_rng"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), *rest))
    return checkpoint["update"], checkpoint["global_step"]


def build_policy(config: Config, env: gym.Env):
    """The policy of `config.agent` for `env`, and the adapter from its outputs to env actions."""
    policy_class = agents.load(resolve(config.agent, "agent"))
    adapter = make_adapter(env, policy_class.output, config.bins)
    observation_size = int(np.prod(env.observation_space.shape))
    options = {name: getattr(config, name) for name in policy_class.options}
    options.update(agents.settings_of(resolve(config.agent, "agent"), config.agent_settings))
    policy = policy_class(observation_size, adapter.action_size, hidden=config.hidden, **options)
    return policy.to(config.device), adapter


def finite(module: torch.nn.Module) -> bool:
    """Whether every weight of `module` is a finite number."""
    return all(bool(torch.isfinite(weight).all()) for weight in module.parameters())


def figure_tags(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Both evaluations' return, multimodality figures and outcome shares, by TensorBoard tag."""
    tags = {}
    for way in EVALUATIONS:
        tags[f"eval/{way}/return"] = results[way]["return"]
        tags.update({f"multimodality/{way}/{name}": results[way][name] for name in FIGURES})
        shares = results[way]["outcome_shares"]
        tags.update({f"multimodality/{way}/share_{name}": shares[name] for name in OUTCOMES})
    return tags


def resume(directory: str | Path, progress: bool = True, trusted: set[str] | None = None) -> dict[str, Any]:
    """Continue the run in `directory` from its last checkpoint (from the start when it has none).

    `trusted` as in `rlnoise.config.read_config`: the `module:Name` names config.json may import.
    """
    directory = Path(directory)
    config = read_config(directory, trusted)
    if (read_manifest(directory) or {}).get("status") == "complete":
        raise UsageError(f"run {directory} is complete; nothing to resume")
    return train(config, progress, directory)


def train(config: Config, progress: bool = True, directory: Path | None = None) -> dict[str, Any]:
    """Train one agent on one environment as `config` says; return the final evaluation.

    With `directory` (see `resume`), continue the run saved there instead of starting a new one.
    """
    # Seeding: the same seed gives the same run on the CPU.
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)

    # Environment, policy and baseline. A `module:Name` env id or agent is imported here when no
    # command has done it (a compare worker, a library call).
    resolve(config.env_id, "env id")
    config = for_agent(config, config.agent)  # config.json records every setting of the agent
    env = gym.make(config.env_id, **config.env_kwargs)
    labels = mode_labels(env)
    envs = make_vector_env(config.env_id, config.num_envs, config.env_kwargs)
    num_steps = config.num_steps or (env.spec.max_episode_steps if env.spec else None) or 1
    policy, adapter = build_policy(config, env)
    observation_size = policy.observation_size
    baseline = mlp(observation_size, 1, config.hidden).to(config.device)
    parameters = [*policy.parameters(), *baseline.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=config.learning_rate)
    modules = {"policy": policy, "baseline": baseline, "optimizer": optimizer}
    batch_size = config.num_envs * num_steps
    num_updates = max(1, config.total_timesteps // batch_size)

    # Where the run's results go; a resumed run continues from its checkpoint.
    start_update, global_step = 0, 0
    if directory is None:
        directory = run_directory(config)
        config = replace(config, run_name=directory.name)  # config.json records the name made
        write_json(directory / "config.json", asdict(config))
    elif (directory / CHECKPOINT).is_file():
        start_update, global_step = load_checkpoint(directory / CHECKPOINT, modules)
    update_manifest(directory, status="running", error=None, **provenance())
    evaluation = Evaluation(
        config.env_id,
        config.env_kwargs,
        labels,
        config.eval_contexts,
        config.eval_samples,
        config.seed,
        config.device,
    )
    evaluation_envs = evaluation.make_envs()
    writer = SummaryWriter(str(directory), purge_step=global_step + 1 if start_update else None)
    table = "\n".join(f"|{key}|{value}|" for key, value in asdict(config).items())
    writer.add_text("config", f"|setting|value|\n|-|-|\n{table}")

    saved_step = None

    def keep_weights(step: int) -> None:
        """Save the policy's weights, those reached at `step`."""
        nonlocal saved_step
        save_torch(policy.state_dict(), directory / "model.pt")
        saved_step = step
        update_manifest(directory, weights_step=step)

    def diverged(update: int, value: str) -> NoReturn:
        """Stop the run with one line: model.pt holds the last finite weights."""
        bar.close()
        writer.close()
        kept = "no weights saved" if saved_step is None else f"last good weights kept from step {saved_step}"
        message = f"training diverged at update {update}: non-finite {value}; {kept}"
        update_manifest(directory, status="failed", error=message)
        raise RunError(message)

    def evaluate_now(step: int, update: int) -> dict[str, dict[str, Any]]:
        """Save the weights, then evaluate both ways and log the figures and where the policy acts."""
        if not finite(policy):
            diverged(update, "weights")
        keep_weights(step)
        results, episodes = evaluate(policy, adapter, evaluation, evaluation_envs)
        for tag, value in figure_tags(results).items():
            writer.add_scalar(tag, value, step)
        for way in EVALUATIONS:
            writer.add_histogram(f"eval/{way}/actions", episodes[way].actions, step)
        title = f"{config.agent} on {config.env_id}, seed {config.seed}, step {step}"
        image = picture(policy, adapter, env, episodes["sampled"].observations, title, config.device)
        writer.add_image("pictures/policy", image, step, dataformats="HWC")
        save_png(image, directory / "policy.png")
        return results

    # Rollout storage.
    observations = torch.zeros((num_steps, config.num_envs, observation_size), device=config.device)
    output_shape, output_type = (
        ((), torch.long) if policy.output == "choice" else ((adapter.action_size,), torch.float32)
    )
    outputs = torch.zeros(
        (num_steps, config.num_envs, *output_shape), dtype=output_type, device=config.device
    )
    rewards = torch.zeros((num_steps, config.num_envs), device=config.device)
    dones = torch.zeros((num_steps, config.num_envs), device=config.device)
    episode_returns = np.zeros(config.num_envs)

    reset_seed = checkpoint_seed(config.seed, start_update) if start_update else config.seed
    next_observation, _ = envs.reset(seed=reset_seed)
    update = start_update
    start_time, start_step = time.time(), global_step
    bar = tqdm(
        total=num_updates * batch_size,
        initial=global_step,
        unit="step",
        unit_scale=True,
        disable=not progress,
        leave=False,
    )
    stopped_by = None
    try:
        for update in range(start_update + 1, num_updates + 1):
            # Collect a rollout of `num_steps` steps in every environment.
            finished_returns = []
            for step in range(num_steps):
                observations[step] = observation_tensor(next_observation, config.device)
                with torch.no_grad():
                    outputs[step] = policy.distribution(observations[step]).sample()
                actions = adapter.to_env(outputs[step].cpu().numpy())
                next_observation, reward, terminated, truncated, _ = envs.step(actions)
                done = terminated | truncated
                rewards[step] = torch.as_tensor(reward, dtype=torch.float32, device=config.device)
                dones[step] = torch.as_tensor(done, dtype=torch.float32, device=config.device)
                episode_returns += reward
                finished_returns.extend(episode_returns[done])
                episode_returns[done] = 0.0
            global_step += batch_size

            # Returns: discounted rewards to the end of each episode, bootstrapped from the
            # baseline's value where the rollout cut an episode short.
            with torch.no_grad():
                future = baseline(observation_tensor(next_observation, config.device)).squeeze(-1)
                returns = torch.zeros_like(rewards)
                for step in reversed(range(num_steps)):
                    future = rewards[step] + config.gamma * (1.0 - dones[step]) * future
                    returns[step] = future

            # Policy gradient with the baseline subtracted, an entropy bonus, and the baseline's
            # regression on the returns.
            flat_observations = observations.reshape(batch_size, observation_size)
            distribution = policy.distribution(flat_observations)
            log_prob = distribution.log_prob(outputs.reshape(batch_size, *outputs.shape[2:]))
            values = baseline(flat_observations).squeeze(-1)
            advantages = returns.reshape(-1) - values.detach()
            if config.norm_adv:
                advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
            policy_loss = -(log_prob * advantages).mean()
            entropy = distribution.entropy().mean()
            value_loss = 0.5 * ((returns.reshape(-1) - values) ** 2).mean()
            loss = policy_loss - config.ent_coef * entropy + value_loss
            loss = loss + outside_penalty(policy, adapter, flat_observations)  # rlnoise.bounds
            optimizer.zero_grad()
            loss.backward()
            gradient_norm = torch.nn.utils.get_total_norm([weight.grad for weight in parameters])
            values = {"policy loss": policy_loss, "value loss": value_loss, "entropy": entropy}
            for name, value in {**values, "gradient": gradient_norm}.items():
                if not torch.isfinite(value):
                    if finite(policy):  # the weights this update started from
                        keep_weights(global_step - batch_size)
                    diverged(update, name)
            if config.max_grad_norm is not None:
                torch.nn.utils.clip_grads_with_norm_(parameters, config.max_grad_norm, gradient_norm)
            optimizer.step()

            # Logging.
            sps = int((global_step - start_step) / (time.time() - start_time))
            if finished_returns:
                writer.add_scalar("charts/episodic_return", float(np.mean(finished_returns)), global_step)
                bar.set_postfix(ret=f"{np.mean(finished_returns):.3f}", SPS=sps)
            writer.add_scalar("charts/SPS", sps, global_step)
            writer.add_scalar("losses/policy_loss", policy_loss.item(), global_step)
            writer.add_scalar("losses/value_loss", value_loss.item(), global_step)
            writer.add_scalar("losses/entropy", entropy.item(), global_step)
            bar.update(batch_size)
            if update % config.eval_every == 0:
                writer.add_histogram("charts/actions", actions, global_step)
                if update < num_updates:
                    evaluate_now(global_step, update)
                    save_checkpoint(directory / CHECKPOINT, update, global_step, modules)
                    update_manifest(directory, checkpoint_step=global_step)
                    next_observation, _ = envs.reset(seed=checkpoint_seed(config.seed, update))
                    episode_returns[:] = 0.0
    except KeyboardInterrupt as error:
        stopped_by = "SIGTERM" if isinstance(error, Terminated) else "SIGINT"
    bar.close()

    # Final evaluation, and the hparams: the settings beside the final figures.
    results = evaluate_now(global_step, update)
    envs.close()
    evaluation_envs.close()
    settings = {**asdict(config), **{f"env.{key}": value for key, value in config.env_kwargs.items()}}
    settings.update({f"agent.{key}": value for key, value in config.agent_settings.items()})
    hyperparameters = {key: value for key, value in settings.items() if isinstance(value, int | float | str)}
    for summary in hparams(hyperparameters, {tag: 0.0 for tag in figure_tags(results)}):
        writer.file_writer.add_summary(summary)
    writer.close()
    evaluation = {"global_step": global_step, "interrupted": stopped_by is not None, **results}
    write_json(directory / "evaluation.json", evaluation)
    update_manifest(directory, status="interrupted" if stopped_by else "complete", stopped_by=stopped_by)
    return {"directory": str(directory), "stopped_by": stopped_by, **evaluation}
