"""One training run as the algorithms see it: the update counter, the divergence guard, the
cadence of evaluations and checkpoints, and the end (docs/design.md section 5).

A `Run` is a few small parts with one job each, which the algorithm (`rlnoise.algorithms`)
calls by name: `files` (`rlnoise.runfiles`: the directory, checkpoints, weights, manifest),
`logger` (`rlnoise.logger`: TensorBoard and the progress bar) and `evaluator`
(`rlnoise.evaluator`: both evaluations and the pictures), opened by `restore`. It stops early
when its `stop` callable (given by the command, see `rlnoise.signals`) names a signal: it
then evaluates and saves what it has, and records the step it reached.

A non-finite loss, entropy, gradient or weight stops the run with a `RunError` ("training
diverged at update N: ..."); `model.pt` then holds the last finite weights, from the step named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import torch

from rlnoise.agents.base import Policy
from rlnoise.capacity import Capacity, parameter_count
from rlnoise.errors import RunError
from rlnoise.evaluator import Evaluator, Reached
from rlnoise.gradients import finite, gradient_overflow, not_finite
from rlnoise.logger import Logger, hparams_settings
from rlnoise.noise import unit_spread
from rlnoise.plan import Plan
from rlnoise.rollout import Collector
from rlnoise.runfiles import RunFiles, checkpoint_seed
from rlnoise.signals import signal_name


class Run:
    """One training run: its plan, policy, rollouts, files, logger and evaluator, and how far it got."""

    def __init__(
        self,
        plan: Plan,
        directory: Path,
        policy: Policy,
        collector: Collector,
        progress: bool,
        stop: Callable[[], str | None],
    ):
        self.plan, self.config, self.policy, self.collector = plan, plan.config, policy, collector
        self.sources = collector.sources
        self.files = RunFiles(directory)
        self.progress, self.stop = progress, stop
        self.num_updates = max(1, self.config.total_timesteps // plan.batch_size)
        self.update, self.global_step = 0, 0
        self.stopped_by: str | None = None
        self.logger: Logger | None = None
        self.capacity = Capacity(plan)  # the bits at each evaluation, on an env with a table
        self.reached = Reached(plan)  # when the env's own figures first reached one half

    @contextmanager
    def recorded(self) -> Iterator[None]:
        """Train and finish in the block; record in the manifest how it ends if it raises: `failed`
        with its one-line error (a diverged training, an unreadable checkpoint, a full disk under
        TensorBoard's writer), or `interrupted` by a repeated signal while the run saves."""
        try:
            yield
        except KeyboardInterrupt as error:
            self.close_quietly()
            self.files.ended("interrupted", self.global_step, stopped_by=signal_name(error))
            raise
        except (RunError, OSError) as error:
            self.close_quietly()
            directory = self.files.directory
            message = (
                str(error)
                if isinstance(error, RunError)
                else f"cannot write in {directory}: {error.strerror or error}"
            )
            self.files.ended("failed", self.global_step, error=message)
            raise RunError(message) from None

    def close_quietly(self) -> None:
        """Close the logger of a run that stops on an error (before its line)."""
        if self.logger is not None:
            self.logger.close_quietly()

    def kept(self, modules: dict[str, Any]) -> dict[str, Any]:
        """What a checkpoint holds: the algorithm's `modules`, and the histories of the figures
        that a resumed run must continue (the bits' and the env's figures' first reaching)."""
        return {**modules, **self.capacity.saved(), **self.reached.saved()}

    def restore(self, modules: dict[str, Any]) -> None:
        """Continue from the checkpoint into `modules` if there is one; open the logger and the
        evaluator, and reset the rollouts' envs."""
        self.update, self.global_step = self.files.restore(self.kept(modules))
        total = self.num_updates * self.plan.batch_size
        self.logger = Logger(self.files.directory, self.config, total, self.global_step, self.progress)
        self.logger.writer.add_scalar("charts/parameters", parameter_count(self.policy), self.global_step)
        self.evaluator = Evaluator(
            self.plan, self.policy, self.sources, self.logger, self.capacity, self.reached
        )
        seed = checkpoint_seed(self.config.seed, self.update) if self.update else self.config.seed
        self.collector.reset(seed)

    def updates(self) -> Iterator[int]:
        """The updates left to train, each counted in `update` and `global_step` (the steps it
        collects); they end early when the command's `stop` names a signal."""
        for update in range(self.update + 1, self.num_updates + 1):
            self.stopped_by = self.stop()
            if self.stopped_by is not None:
                return
            self.update, self.global_step = update, self.global_step + self.plan.batch_size
            yield update

    def guard(
        self, parameters: list[torch.Tensor], figures: dict[str, torch.Tensor], loss: torch.Tensor
    ) -> torch.Tensor:
        """The divergence guard, after `loss.backward()`: the gradient's total norm, unless a figure
        or the gradient is not finite; then the run stops, keeping the weights the update started
        from. A weight without a gradient (a block stochastic depth skipped) counts for nothing."""
        norm = torch.nn.utils.get_total_norm(
            [weight.grad for weight in parameters if weight.grad is not None]
        )
        name = not_finite(figures, norm)
        if name is not None:
            if finite(self.policy):  # the weights this update started from
                self.files.keep_weights(self.policy, self.global_step - self.plan.batch_size)
            self.diverged(gradient_overflow(parameters, loss) if name == "gradient" else name)
        return norm

    def diverged(self, value: str) -> NoReturn:
        """Stop the run with one line: model.pt holds the last finite weights."""
        raise RunError(f"training diverged at update {self.update}: non-finite {value}; {self.model_note()}")

    def model_note(self) -> str:
        """What model.pt holds, in a few words: the step of the last good weights, or nothing."""
        saved = self.files.saved_step
        return "no weights saved" if saved is None else f"last good weights kept from step {saved}"

    def log(self, finished_returns: Any, scalars: dict[str, float]) -> None:
        """Log the update's figures (`rlnoise.logger`), with the noise sources' scales."""
        self.logger.log(
            self.global_step, finished_returns, {**scalars, **self.sources.scales(self.update - 1)}
        )

    def checkpoint(self, modules: dict[str, Any]) -> None:
        """Every `--eval-every` updates: the rollout's actions as a histogram; before the last
        update also an evaluation, the checkpoint of `modules`, and the envs reset with a seed
        that a resumed run draws the same way."""
        update, step = self.update, self.global_step
        self.logger.writer.add_histogram("charts/actions", self.collector.actions, step)
        if update < self.num_updates:
            self.evaluate(final=False)
            self.files.checkpoint(update, step, self.kept(modules))
            self.collector.reset(checkpoint_seed(self.config.seed, update))

    def evaluate(self, final: bool) -> dict[str, dict[str, Any]]:
        """Save the weights (after checking they are finite), then evaluate (`rlnoise.evaluator`),
        with the pictures at the final evaluation and every `--picture-every`-th one."""
        config = self.config
        self.logger.write_logged()
        if not finite(self.policy):
            self.diverged("weights")
        self.files.keep_weights(self.policy, self.global_step)
        pictured = final or (self.update // config.eval_every) % config.picture_every == 0
        return self.evaluator.evaluate(self.global_step, final, pictured)

    def asynchrony(self) -> dict[str, Any]:
        """The figures of an asynchronous run's workers for evaluation.json (`rlnoise.hogwild`):
        none for a run of one process."""
        return {}

    def finish(self) -> dict[str, Any]:
        """Evaluate what the run reached, write the hparams and evaluation.json, close everything."""
        self.logger.bar.close()
        results = self.evaluate(final=True)
        self.collector.envs.close()
        self.evaluator.envs.close()
        self.logger.hparams(hparams_settings(self.config, self.policy, self.plan.env.action_space), results)
        self.logger.close()
        stopped_by = self.stopped_by
        evaluation = {
            "global_step": self.global_step,
            "interrupted": stopped_by is not None,
            **self.asynchrony(),  # the workers and their mean staleness, of an asynchronous run
            # whether the env has one start state, then played contexts x samples times
            "fixed_start": self.evaluator.evaluation.fixed_start,
            **results,
            "parameters": parameter_count(self.policy),
            **self.evaluator.bits,  # the bits stored, on an env with a table (rlnoise.capacity)
            **self.capacity.converged(self.num_updates * self.plan.batch_size),
            **self.reached.figures(),  # when Trap-v0's escape first reached one half
            **({"unit_spread": unit_spread(self.policy)} if self.config.init == "symmetric" else {}),
        }
        self.files.write_evaluation(evaluation)
        self.files.ended("interrupted" if stopped_by else "complete", self.global_step, stopped_by=stopped_by)
        return {"directory": str(self.files.directory), "stopped_by": stopped_by, **evaluation}
