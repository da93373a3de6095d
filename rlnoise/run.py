"""What every training algorithm shares: the run directory, checkpoints, the divergence guard,
logging, evaluation and the final save (docs/design.md section 5).

An algorithm (`rlnoise.algorithms`) builds its own networks and optimiser, then leans on a
`Run` for the rest: `restore` continues from a checkpoint, `gradient_step` takes a guarded
optimiser step, `log` writes an update's figures, `end_update` evaluates and checkpoints every
`eval_every` updates, and `finish` (called by `rlnoise.train.train`) evaluates and saves what the
run reached. Everything a run writes goes to `runs/<run-name>/`:

- TensorBoard events (`charts/`, `losses/`, `eval/`, `multimodality/`, the config as text,
  histograms of actions, where the policy acts in each pictured scene (`pictures/policy_scene<i>`,
  see `rlnoise.pictures`) and, on an env of several steps, its sampled episodes
  (`pictures/paths_scene<i>`) at the final evaluation and every `--picture-every`-th one, the
  scalars of an update in one event, and the hparams with the final figures: every
  setting, each env keyword argument as `env.KEY`);
- `config.json`, `model.pt` (the policy's weights, saved before each evaluation),
  `evaluation.json` (the final figures), `policy.png` (the final picture), each written whole
  or not at all (`rlnoise.files`);
- `checkpoint.pt`, after each evaluation but the last: everything training carries from one
  update to the next (the algorithm's modules and optimiser, the update counter, the random
  generators). The vector env is then reset with a seed drawn from the run's seed and the
  update, so a run that `resume` continues from its checkpoint replays exactly what the
  uninterrupted run did;
- `manifest.json` (`rlnoise.manifest`): the status, the steps of the weights and the checkpoint,
  the command, the version and the commit.

A run stops early when its `stop` callable (given by the command, see `rlnoise.interrupts`)
names a signal: it then evaluates and saves what it has, and records the step it reached.

A non-finite loss, entropy, gradient or weight stops the run with a `RunError` ("training
diverged at update N: ..."); `model.pt` then holds the last finite weights, from the step named.
"""

from __future__ import annotations

import io
import pickle
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np
import torch
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams
from tqdm import tqdm

from rlnoise.actions import ActionAdapter
from rlnoise.agents.base import Policy, mlp
from rlnoise.bounds import outside_penalty
from rlnoise.config import Config, default_run_name
from rlnoise.errors import RunError, Terminated, UsageError
from rlnoise.evaluation import EVALUATIONS, Evaluation, evaluate, own_generator
from rlnoise.files import write_bytes, write_json
from rlnoise.manifest import PROGRESS_SECONDS, started, update_manifest
from rlnoise.metrics import FIGURES, OUTCOMES
from rlnoise.names import file_name
from rlnoise.pictures import draw, path_pictures, save_png, scene_cards, scenes_view, tile
from rlnoise.pictures.view import View
from rlnoise.rollout import Collector

CHECKPOINT = "checkpoint.pt"


def run_directory(config: Config) -> Path:
    """The run's own directory, made new; an existing one is never reused.

    A default name ends in the time and a random tag, so runs started in the same second differ.
    """
    directory = Path(config.logdir) / str(default_run_name(config).run_name)
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


def read_torch(path: Path, device: str = "cpu") -> Any:
    """The tensors saved in `path`, loaded as weights only (no code runs); a ValueError saying in a
    few words what is wrong with a file that is not one."""
    try:
        with warnings.catch_warnings():  # torch's note on a foreign pickle protocol: the refusal says it
            warnings.simplefilter("ignore")
            return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(
            "not tensors saved by rlnoise (refused by the weights-only loader: nothing in it ran)"
        ) from None
    except EOFError:
        raise ValueError("the file is empty") from None
    except Exception:  # torch's reader on anything else: a zip cut short, stray bytes
        raise ValueError("not a whole torch file (cut short or corrupted)") from None


def load_checkpoint(path: Path, modules: dict[str, Any]) -> tuple[int, int]:
    """Restore what `save_checkpoint` saved into `modules` and the generators; the update and step.

    A checkpoint that cannot be read (cut short, empty, foreign, a pickle of other objects than
    tensors, the state of other networks) is a RunError naming the file and what is wrong."""
    try:
        checkpoint = read_torch(path)
        for name, module in modules.items():
            module.load_state_dict(checkpoint[name])
        torch.set_rng_state(checkpoint["torch_rng"])
        name, keys, *rest = checkpoint["numpy_rng"]
        np.random.set_state((name, np.array(keys, dtype=np.uint32), *rest))
        return int(checkpoint["update"]), int(checkpoint["global_step"])
    except ValueError as error:
        raise RunError(f"cannot resume from {path}: {error}") from None
    except KeyError as error:
        raise RunError(f"cannot resume from {path}: it has no {error}") from None
    except Exception:  # load_state_dict's or numpy's refusal
        raise RunError(
            f"cannot resume from {path}: it holds the state of other networks than this run's"
        ) from None


def quiet_writer_errors(arguments: Any) -> None:
    """A `threading.excepthook` that does not print the OSError (a full disk) that ends TensorBoard's
    writer thread: the writer raises it again in the run's thread, which reports it in one line."""
    if not (
        isinstance(arguments.exc_value, OSError) and type(arguments.thread).__name__ == "_AsyncWriterThread"
    ):
        threading.__excepthook__(arguments)


def gradient_overflow(parameters: list[torch.Tensor], loss: torch.Tensor) -> str:
    """What is not finite about the gradient of `parameters` whose total norm is not: an entry, or
    only the norm, whose square overflows float32 although every entry is finite (PPO's ratio on a
    sample far in the policy's tail can make a loss of 1e22)."""
    gradients = [weight.grad for weight in parameters if weight.grad is not None]
    if all(bool(torch.isfinite(gradient).all()) for gradient in gradients):
        largest = max(float(gradient.abs().max()) for gradient in gradients)
        return f"gradient norm (every entry is finite, up to {largest:.2g}, from a loss of {loss.item():.2g})"
    return "gradient"


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


def result_layout() -> dict[str, dict[str, list[Any]]]:
    """TensorBoard's custom-scalars layout: each evaluation's return and outcome shares first, then
    the training curves (the CUSTOM SCALARS dashboard; TIME SERIES orders its cards by tag)."""
    result = {}
    for way in EVALUATIONS:
        result[f"{way} return"] = ["Multiline", [f"eval/{way}/return$"]]
        result[f"{way} outcome shares"] = ["Multiline", [f"multimodality/{way}/share_"]]
    training = {"episodic return": ["Multiline", ["charts/episodic_return$"]]}
    training["losses"] = ["Multiline", ["losses/"]]
    return {"result (per evaluation)": result, "training": training}


BOOKKEEPING = ("run_name", "logdir", "device", "threads", "picture_every")
"""Settings that do not change what a run learns: left out of the hparams."""


def hparams_settings(config: Config, policy: Policy, action_space: gym.Space) -> dict[str, Any]:
    """The settings that apply to this run, for TensorBoard's hparams: no other algorithm's
    (`algo` metadata), no other agent's option (`option` metadata), `bins` only for a choice
    policy on a `Box`, none of the bookkeeping; each env keyword argument as `env.KEY`, the
    agent's own as `agent.KEY`."""
    settings = {}
    for item in fields(Config):
        name, algos = item.name, item.metadata.get("algo")
        if name in BOOKKEEPING or (algos is not None and config.algo not in algos):
            continue
        if item.metadata.get("option") and name not in policy.options:  # another agent's (sigma)
            continue
        if name == "bins" and not (policy.output == "choice" and isinstance(action_space, gym.spaces.Box)):
            continue
        settings[name] = getattr(config, name)
    settings.update({f"env.{key}": value for key, value in config.env_kwargs.items()})
    settings.update({f"agent.{key}": value for key, value in config.agent_settings.items()})
    return {key: value for key, value in settings.items() if isinstance(value, int | float | str)}


def trial_name(run: str, config: Config) -> str:
    """A run's short name in HPARAMS: its directory name without the env and the time, `__` as a
    space, `seed` as `s` (`categorical s1`); runs of the same name are shown as one group."""
    parts = run.split("__")
    if parts[0] == file_name(config.env_id):  # a single run's name: ENV__AGENT__seedN__TIME
        parts = parts[1:-1] if len(parts) > 3 else parts[1:]
    return " ".join(f"s{part[4:]}" if part == f"seed{config.seed}" else part for part in parts)


def log_ratio(modes: np.ndarray, labels: tuple[str, str]) -> float:
    """log(n_a / n_b): how much more often the episodes reached good answer `a` than `b`, with one
    episode added to each count so that a policy that never reaches one stays finite."""
    counts = [int(np.sum(modes == label)) + 1 for label in labels]
    return float(np.log(counts[0] / counts[1]))


def loss_tags(figures: dict[str, torch.Tensor]) -> dict[str, float]:
    """An update's loss figures by TensorBoard tag: "value loss" is `losses/value_loss`."""
    return {f"losses/{name.replace(' ', '_')}": value.item() for name, value in figures.items()}


def adam(parameters: list[torch.Tensor], learning_rate: float) -> torch.optim.Adam:
    """Adam over `parameters` in its multi-tensor form: the same arithmetic as torch's CPU default
    (which updates the tensors one by one), with a third less time per step on small networks."""
    return torch.optim.Adam(parameters, lr=learning_rate, foreach=True)


def with_baseline(
    config: Config, run: Run
) -> tuple[torch.nn.Module, list[torch.Tensor], Any, dict[str, Any]]:
    """A learned baseline (the value function) beside `run.policy`, one Adam over both, and the
    modules a checkpoint saves, restored from the run's checkpoint when it has one."""
    baseline = mlp(run.policy.observation_size, 1, config.hidden).to(config.device)
    parameters = [*run.policy.parameters(), *baseline.parameters()]
    optimizer = adam(parameters, config.learning_rate)
    modules = {"policy": run.policy, "baseline": baseline, "optimizer": optimizer}
    run.restore(modules)
    return baseline, parameters, optimizer, modules


def run_picture(config: Config, step: int, seen: View) -> np.ndarray:
    """A run's picture of where its policy acts at `step` (`rlnoise.pictures`), titled with the run."""
    return draw(seen, f"{config.agent} on {config.env_id}, seed {config.seed}, step {step}")


def new_run(config: Config) -> tuple[Config, Path]:
    """Make the run's directory and write its config.json; the config with the name made."""
    directory = run_directory(config)
    config = replace(config, run_name=directory.name)  # config.json records the name made
    write_json(directory / "config.json", asdict(config))
    return config, directory


class Run:
    """One training run as the algorithms share it: its policy, environments, directory and writer."""

    def __init__(
        self,
        config: Config,
        directory: Path,
        env: gym.Env,
        collector: Collector,
        policy: Policy,
        adapter: ActionAdapter,
        progress: bool,
        stop: Callable[[], str | None],
    ):
        self.config, self.directory, self.env = config, directory, env
        self.collector, self.policy, self.adapter = collector, policy, adapter
        self.progress, self.stop = progress, stop
        self.batch_size = config.num_envs * collector.num_steps
        self.num_updates = max(1, config.total_timesteps // self.batch_size)
        self.update, self.global_step, self.saved_step = 0, 0, None
        self.opened: list[Any] = []
        self.logged: list[tuple[Summary, int, float]] = []  # events not yet handed to the writer
        self.stopped_by: str | None = None
        self.evaluation = Evaluation.planned(
            env,
            config.env_id,
            config.env_kwargs,
            config.eval_contexts,
            config.eval_samples,
            config.seed,
            config.device,
        )

    @contextmanager
    def recorded(self) -> Iterator[None]:
        """Train and finish in the block; record in the manifest how it ends if it raises: `failed`
        with its one-line error (a diverged training, an unreadable checkpoint, a full disk under
        TensorBoard's writer), or `interrupted` by a repeated signal while the run saves."""
        try:
            yield
        except KeyboardInterrupt as error:
            self.close_quietly()
            stopped_by = "SIGTERM" if isinstance(error, Terminated) else "SIGINT"
            update_manifest(
                self.directory, status="interrupted", stopped_by=stopped_by, step=self.global_step
            )
            raise
        except (RunError, OSError) as error:
            self.close_quietly()
            message = (
                str(error)
                if isinstance(error, RunError)
                else f"cannot write in {self.directory}: {error.strerror or error}"
            )
            update_manifest(self.directory, status="failed", error=message, step=self.global_step)
            raise RunError(message) from None

    def close_quietly(self) -> None:
        """Close the progress bar and the writer of a run that stops on an error (before its line)."""
        with suppress(OSError):  # on a full disk
            self.write_logged()
        for opened in self.opened:
            with suppress(OSError):  # the writer's last flush, on a full disk
                opened.close()

    def restore(self, modules: dict[str, Any]) -> tuple[int, int]:
        """Continue from the checkpoint into `modules` if there is one; open the writer, the
        progress bar and the evaluation's envs. The update and step to continue from."""
        if (self.directory / CHECKPOINT).is_file():
            self.update, self.global_step = load_checkpoint(self.directory / CHECKPOINT, modules)
        update_manifest(self.directory, status="running", error=None, **started(self.directory))
        self.evaluation_envs = self.evaluation.make_envs()
        threading.excepthook = quiet_writer_errors
        self.writer = SummaryWriter(
            str(self.directory), purge_step=self.global_step + 1 if self.update else None
        )
        table = "\n".join(f"|{key}|{value}|" for key, value in asdict(self.config).items())
        self.writer.add_text("config", f"|setting|value|\n|-|-|\n{table}")
        self.writer.add_custom_scalars(result_layout())
        seed = checkpoint_seed(self.config.seed, self.update) if self.update else self.config.seed
        self.collector.reset(seed)
        self.start_time, self.start_step = time.time(), self.global_step
        self.shown_at = self.start_time
        self.bar = tqdm(
            total=self.num_updates * self.batch_size,
            initial=self.global_step,
            unit="step",
            unit_scale=True,
            disable=not self.progress,
            leave=False,
        )
        self.opened = [self.bar, self.writer]
        return self.update, self.global_step

    def updates(self) -> Iterator[int]:
        """The updates left to train, each counted in `update` and `global_step` (the steps it
        collects); they end early when the command's `stop` names a signal."""
        for update in range(self.update + 1, self.num_updates + 1):
            self.stopped_by = self.stop()
            if self.stopped_by is not None:
                return
            self.update, self.global_step = update, self.global_step + self.batch_size
            yield update

    def keep_weights(self, step: int) -> None:
        """Save the policy's weights, those reached at `step`."""
        save_torch(self.policy.state_dict(), self.directory / "model.pt")
        self.saved_step = step
        update_manifest(self.directory, weights_step=step)

    def diverged(self, update: int, value: str) -> NoReturn:
        """Stop the run with one line: model.pt holds the last finite weights."""
        saved = self.saved_step
        kept = "no weights saved" if saved is None else f"last good weights kept from step {saved}"
        raise RunError(f"training diverged at update {update}: non-finite {value}; {kept}")

    def gradient_step(
        self,
        optimizer: torch.optim.Optimizer,
        parameters: list[torch.Tensor],
        loss: torch.Tensor,
        figures: dict[str, torch.Tensor],
        observations: torch.Tensor,
    ) -> None:
        """One optimiser step on `loss` plus the penalty that keeps a point policy inside its box
        on `observations` (`rlnoise.bounds`), unless a figure or the gradient is not finite (then
        the run stops, keeping the weights the update started from); clipped by --max-grad-norm."""
        optimizer.zero_grad()
        (loss + outside_penalty(self.policy, self.adapter, observations)).backward()
        gradient_norm = torch.nn.utils.get_total_norm([weight.grad for weight in parameters])
        checked = {**figures, "gradient": gradient_norm}
        if not torch.isfinite(torch.stack(list(checked.values()))).all():  # one check, one host sync
            if finite(self.policy):  # the weights this update started from
                self.keep_weights(self.global_step - self.batch_size)
            name = next(name for name, value in checked.items() if not value.isfinite())
            self.diverged(self.update, gradient_overflow(parameters, loss) if name == "gradient" else name)
        if self.config.max_grad_norm is not None:
            torch.nn.utils.clip_grads_with_norm_(parameters, self.config.max_grad_norm, gradient_norm)
        self.collector.sources.perturb_gradients(self.update - 1)
        optimizer.step()

    def log(self, finished_returns: np.ndarray, scalars: dict[str, float]) -> None:
        """Log one update's figures as one TensorBoard event (a fifth of the time of one event per
        figure): the mean return of the episodes that finished, the speed and `scalars` by tag. The
        events are handed to the writer together every `PROGRESS_SECONDS` and at each evaluation
        (one at a time, each wakes the writer's thread: 0.3 ms an update)."""
        step = self.global_step
        sps = int((step - self.start_step) / (time.time() - self.start_time))
        tags = {}
        if len(finished_returns):
            tags["charts/episodic_return"] = float(np.mean(finished_returns))
            self.bar.set_postfix(ret=f"{tags['charts/episodic_return']:.3f}", SPS=sps, refresh=False)
        tags.update({"charts/SPS": sps, **scalars, **self.collector.sources.scales(self.update - 1)})
        values = [Summary.Value(tag=tag, simple_value=value) for tag, value in tags.items()]
        self.logged.append((Summary(value=values), step, time.time()))
        self.bar.update(self.batch_size)
        if time.time() - self.shown_at >= PROGRESS_SECONDS:  # for compare's and sweep's progress bar
            self.write_logged()
            update_manifest(self.directory, step=step)
            self.shown_at = time.time()

    def write_logged(self) -> None:
        """Hand the updates' events logged since the last time to the TensorBoard writer."""
        for summary, step, wall_time in self.logged:
            self.writer.file_writer.add_summary(summary, step, wall_time)
        self.logged.clear()

    def end_update(self, modules: dict[str, Any]) -> None:
        """Every `eval_every` updates but the last: evaluate, checkpoint `modules`, and reset the
        envs with a seed that a resumed run draws the same way."""
        update, step = self.update, self.global_step
        if update % self.config.eval_every:
            return
        self.writer.add_histogram("charts/actions", self.collector.actions, step)
        if update < self.num_updates:
            self.evaluate(final=False)
            save_checkpoint(self.directory / CHECKPOINT, update, step, modules)
            update_manifest(self.directory, checkpoint_step=step)
            self.collector.reset(checkpoint_seed(self.config.seed, update))

    def evaluate(self, final: bool = True) -> dict[str, dict[str, Any]]:
        """Save the weights, then evaluate both ways and log the figures (the intervals, which
        TensorBoard does not show, only at the final evaluation) and, at the final evaluation and
        every `picture_every`-th one, the picture of where the policy acts."""
        config, step = self.config, self.global_step
        self.write_logged()
        if not finite(self.policy):
            self.diverged(self.update, "weights")
        self.keep_weights(step)
        with self.collector.sources.evaluating():  # sampled play as the rollouts act (rlnoise.noise)
            results, episodes = evaluate(
                self.policy, self.adapter, self.evaluation, self.evaluation_envs, final
            )
        for tag, value in figure_tags(results).items():
            self.writer.add_scalar(tag, value, step)
        for way in EVALUATIONS:
            self.writer.add_histogram(f"eval/{way}/actions", episodes[way].actions, step)
        labels = self.evaluation.labels
        if len(labels) >= 2:  # 0 when sampled play reaches the first two good answers alike
            ratio = log_ratio(episodes["sampled"].modes, (labels[0], labels[1]))
            self.writer.add_scalar("multimodality/log_ratio", ratio, step)
        if final or (self.update // config.eval_every) % config.picture_every == 0:
            # the policy sampled evaluation plays, drawn from a generator of its own: training's untouched
            with self.collector.sources.evaluating(), own_generator(config.device, self.evaluation.seed):
                self.draw_pictures(episodes["sampled"].observations, step)
        return results

    def draw_pictures(self, observations: np.ndarray, step: int) -> None:
        """Save policy.png (and paths.png) and log each pictured scene's card to TensorBoard."""
        config = self.config
        seen = scenes_view(self.policy, self.adapter, self.env, observations, config.device)
        save_png(run_picture(config, step, seen), self.directory / "policy.png")
        title = f"{config.agent}, seed {config.seed}, step {step:,}"
        for scene, card in enumerate(scene_cards(seen, title)):  # each at its own size in a Time Series card
            self.writer.add_image(f"pictures/policy_scene{scene}", card, step, dataformats="HWC")
        scenes = path_pictures(self.policy, self.adapter, self.env, self.evaluation, observations, title)
        for scene, scene_image in enumerate(scenes):
            self.writer.add_image(f"pictures/paths_scene{scene}", scene_image, step, dataformats="HWC")
        if scenes:
            save_png(tile(scenes), self.directory / "paths.png")

    def finish(self) -> dict[str, Any]:
        """Evaluate what the run reached, write the hparams and evaluation.json, close everything."""
        self.bar.close()
        results = self.evaluate()
        self.collector.envs.close()
        self.evaluation_envs.close()
        config = self.config
        settings = hparams_settings(config, self.policy, self.env.action_space)
        tags = sorted(figure_tags(results), key=lambda tag: ("return" not in tag, "share_" not in tag))
        experiment, start, end = hparams(settings, dict.fromkeys(tags, 0.0))
        data = HParamsPluginData.FromString(start.value[0].metadata.plugin_data.content)
        data.session_start_info.group_name = trial_name(self.directory.name, config)
        start.value[0].metadata.plugin_data.content = data.SerializeToString()
        for summary in (experiment, start, end):
            self.writer.file_writer.add_summary(summary)
        self.writer.close()
        stopped_by = self.stopped_by
        evaluation = {
            "global_step": self.global_step,
            "interrupted": stopped_by is not None,
            "fixed_start": self.evaluation.fixed_start,  # one start state, played contexts x samples times
            **results,
        }
        write_json(self.directory / "evaluation.json", evaluation)
        update_manifest(
            self.directory,
            status="interrupted" if stopped_by else "complete",
            stopped_by=stopped_by,
            step=self.global_step,
        )
        return {"directory": str(self.directory), "stopped_by": stopped_by, **evaluation}
