"""What a run shows while it trains: TensorBoard's events and the progress bar.

The events: `charts/` (episodic return, speed, learning rate, actions), `losses/`, `eval/` and
`multimodality/` (each evaluation's figures; the environment's own, such as Trap-v0's escape,
under `eval/`), the config as text, the custom-scalars layout, the
pictures (`rlnoise.evaluator`) and, at the end, the hparams with the final figures: every setting
that applies, each env keyword argument as `env.KEY`, each of the agent's own as `agent.KEY`.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams
from tqdm import tqdm

from rlnoise.agents.base import Policy
from rlnoise.config import Config
from rlnoise.manifest import PROGRESS_SECONDS, update_manifest
from rlnoise.metrics import EVALUATIONS, FIGURES, OUTCOMES
from rlnoise.names import file_name

BOOKKEEPING = ("run_name", "logdir", "device", "threads", "picture_every")
"""Settings that do not change what a run learns: left out of the hparams."""


def quiet_writer_errors(arguments: Any) -> None:
    """A `threading.excepthook` that does not print the OSError (a full disk) that ends TensorBoard's
    writer thread: the writer raises it again in the run's thread, which reports it in one line."""
    if not (
        isinstance(arguments.exc_value, OSError) and type(arguments.thread).__name__ == "_AsyncWriterThread"
    ):
        threading.__excepthook__(arguments)


def loss_tags(figures: dict[str, torch.Tensor]) -> dict[str, float]:
    """An update's loss figures by TensorBoard tag: "value loss" is `losses/value_loss`."""
    return {f"losses/{name.replace(' ', '_')}": value.item() for name, value in figures.items()}


def figure_tags(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Both evaluations' return, the environment's own figures (`eval/sampled/escape`),
    multimodality figures and outcome shares, by TensorBoard tag."""
    tags = {}
    for way in EVALUATIONS:
        tags[f"eval/{way}/return"] = results[way]["return"]
        tags.update(
            {f"eval/{way}/{name}": value for name, value in results[way].get("env_figures", {}).items()}
        )
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


class Logger:
    """A run's TensorBoard writer and progress bar, opened at the step the run starts from."""

    def __init__(self, directory: Path, config: Config, total_steps: int, step: int, progress: bool):
        self.directory, self.config = directory, config
        self.logged: list[tuple[Summary, int, float]] = []  # events not yet handed to the writer
        threading.excepthook = quiet_writer_errors
        self.writer = SummaryWriter(str(directory), purge_step=step + 1 if step else None)
        table = "\n".join(f"|{key}|{value}|" for key, value in asdict(config).items())
        self.writer.add_text("config", f"|setting|value|\n|-|-|\n{table}")
        self.writer.add_custom_scalars(result_layout())
        self.start_time, self.start_step = time.time(), step
        self.shown_at = self.start_time
        self.bar = tqdm(
            total=total_steps, initial=step, unit="step", unit_scale=True, disable=not progress, leave=False
        )

    def log(self, step: int, finished_returns: np.ndarray, scalars: dict[str, float]) -> None:
        """Log one update's figures as one TensorBoard event (a fifth of the time of one event per
        figure): the mean return of the episodes that finished, the speed and `scalars` by tag. The
        events are handed to the writer together every `PROGRESS_SECONDS` and at each evaluation
        (one at a time, each wakes the writer's thread: 0.3 ms an update); the manifest's `step`
        with them, for compare's and sweep's progress bar."""
        sps = int((step - self.start_step) / (time.time() - self.start_time))
        tags = {}
        if len(finished_returns):
            tags["charts/episodic_return"] = float(np.mean(finished_returns))
            self.bar.set_postfix(ret=f"{tags['charts/episodic_return']:.3f}", SPS=sps, refresh=False)
        tags.update({"charts/SPS": sps, **scalars})
        values = [Summary.Value(tag=tag, simple_value=value) for tag, value in tags.items()]
        self.logged.append((Summary(value=values), step, time.time()))
        self.bar.update(step - self.bar.n)
        if time.time() - self.shown_at >= PROGRESS_SECONDS:
            self.write_logged()
            update_manifest(self.directory, step=step)
            self.shown_at = time.time()

    def write_logged(self) -> None:
        """Hand the updates' events logged since the last time to the TensorBoard writer."""
        for summary, step, wall_time in self.logged:
            self.writer.file_writer.add_summary(summary, step, wall_time)
        self.logged.clear()

    def hparams(self, settings: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
        """Write the hparams: the run's `settings` and its final figures, grouped by the trial name."""
        tags = sorted(figure_tags(results), key=lambda tag: ("return" not in tag, "share_" not in tag))
        experiment, start, end = hparams(settings, dict.fromkeys(tags, 0.0))
        data = HParamsPluginData.FromString(start.value[0].metadata.plugin_data.content)
        data.session_start_info.group_name = trial_name(self.directory.name, self.config)
        start.value[0].metadata.plugin_data.content = data.SerializeToString()
        for summary in (experiment, start, end):
            self.writer.file_writer.add_summary(summary)

    def close(self) -> None:
        """Close the progress bar and the writer."""
        self.bar.close()
        self.write_logged()
        self.writer.close()

    def close_quietly(self) -> None:
        """Close the progress bar and the writer of a run that stops on an error (before its line)."""
        with suppress(OSError):  # on a full disk
            self.write_logged()
        for opened in (self.bar, self.writer):
            with suppress(OSError):  # the writer's last flush, on a full disk
                opened.close()
