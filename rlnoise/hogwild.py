"""Asynchronous SGD, Hogwild-style (`--async-workers W`, docs/design.md section 5; Niu et al. 2011).

W processes train one set of weights, the policy's and the baseline's, held in shared memory:
each collects with its own environments, computes its gradients on whatever the weights are
when it reads them, and applies them with its own optimiser, without locks. The run is the
parent, worker 0 (`HogwildRun` with files): it restores the checkpoint, moves the weights into
shared memory and forks the other W - 1 (`start_workers`), each of which runs the SAME
algorithm function with a `HogwildRun` without files (`work`). The pieces they share
(`Shared`) are the update counter, from which each claims its next update (a whole
`--num-envs x --num-steps` batch) until the run's `--total-timesteps` are done, so that W
workers do the steps of one process; the optimiser steps applied by all, from which each
measures its staleness (the steps the others applied between its read of the weights at the
start of its update and each of its steps); and the stop flag.

Only worker 0 writes: TensorBoard (`charts/staleness`, its own steps' mean per update), the
evaluations and checkpoints (when the shared counter passes an `--eval-every` mark), and the
run's files, `evaluation.json` with the mean staleness over every worker's steps. A signal stops
it as it stops a single run; it then raises the stop flag, the others end their update and exit,
and it saves. A worker that fails or dies is a `RunError` in worker 0; a worker whose parent is
gone stops. Asynchronous runs are not bit-reproducible: the order of the updates is the
machine's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch

from rlnoise.errors import RunError
from rlnoise.manifest import update_manifest
from rlnoise.optimizers import Optimizer
from rlnoise.plan import Plan
from rlnoise.rollout import Collector
from rlnoise.run import Run
from rlnoise.signals import ignore_signals

CONTEXT = torch.multiprocessing.get_context("fork")
"""Fork: a worker starts with the parent's policy, plan and registered environments, no import."""


class Shared:
    """What the workers of one run share: the updates claimed, the optimiser steps applied, the stop
    flag, each worker's staleness (sum, steps) and the errors of those that failed."""

    def __init__(self, workers: int, claimed: int):
        self.claimed = CONTEXT.Value("q", claimed)
        self.applied = CONTEXT.Value("q", 0)
        self.stopping = CONTEXT.Event()
        self.staleness = torch.zeros((workers, 2), dtype=torch.float64).share_memory_()
        self.errors = CONTEXT.SimpleQueue()

    def claim(self, last: int) -> int | None:
        """The next update to train, or None once `last` is claimed."""
        with self.claimed.get_lock():
            if self.claimed.value >= last:
                return None
            self.claimed.value += 1
            return self.claimed.value

    def step(self) -> int:
        """Count one optimiser step; the steps applied before it."""
        with self.applied.get_lock():
            self.applied.value += 1
            return self.applied.value - 1

    def mean_staleness(self) -> float:
        """The mean staleness of every step of every worker (0 before any)."""
        total, steps = self.staleness.sum(0).tolist()
        return total / steps if steps else 0.0


class NoFiles:
    """A worker's files: none (worker 0 alone writes the run's)."""

    saved_step = None

    def keep_weights(self, policy: torch.nn.Module, step: int) -> None:
        """Keep nothing."""


class HogwildRun(Run):
    """One worker's run of an asynchronous run: worker 0 (`rank` 0) with the run's files, logger and
    evaluator; another without files, its updates claimed from `shared`, its figures not logged."""

    def __init__(
        self,
        plan: Plan,
        directory: Path,
        policy: Any,
        collector: Collector,
        progress: bool,
        stop: Callable[[], str | None],
        trainer: Callable[[Plan, Run], None],
        rank: int = 0,
        shared: Shared | None = None,
    ):
        super().__init__(plan, directory, policy, collector, progress, stop)
        self.trainer, self.rank, self.shared = trainer, rank, shared
        self.workers: list[Any] = []
        self.weights: dict[str, list[torch.Tensor]] = {}
        self.modules: dict[str, Any] = {}
        self.evaluated = 0  # the update of worker 0's last evaluation
        self.read_at, self.own_steps, self.seen = 0, 0, []
        if rank:
            self.files = NoFiles()

    @contextmanager
    def recorded(self) -> Iterator[None]:
        """As a single run's; the other workers stopped however it ends."""
        try:
            with super().recorded():
                yield
        finally:
            self.stop_workers()

    def restore(self, modules: dict[str, Any]) -> None:
        """Worker 0: restore as a single run, move the weights into shared memory and start the
        others. Another worker: train the shared weights with its own optimiser and environments."""
        self.modules = modules
        if self.rank == 0:
            super().restore(modules)
            self.evaluated = self.update
            self.shared = Shared(self.config.async_workers, self.update)
            for name, module in modules.items():
                if isinstance(module, torch.nn.Module):
                    self.weights[name] = [weight.share_memory_() for weight in module.parameters()]
            update_manifest(self.files.directory, reproducible=False, async_workers=self.config.async_workers)
            self.start_workers()
        else:
            for name, weights in self.weights.items():
                for weight, shared in zip(modules[name].parameters(), weights, strict=True):
                    weight.data = shared
            self.collector.reset(worker_seed(self.config.seed, self.rank, self.update))
        modules["optimizer"].register_step_post_hook(self.stepped)

    def start_workers(self) -> None:
        """Fork workers 1 to W - 1, daemonic (they end with this process)."""
        for rank in range(1, self.config.async_workers):
            worker = CONTEXT.Process(target=work, args=(self, rank), daemon=True)
            worker.start()
            self.workers.append(worker)

    def updates(self) -> Iterator[int]:
        """The updates this worker claims until the run's are done or it stops; worker 0 first
        checks the others, evaluates when the counter passed an `--eval-every` mark and, on a
        signal, raises the stop flag."""
        parent = os.getppid()
        while True:
            if self.rank == 0:
                self.check_workers()
                self.evaluate_when_due()
                self.stopped_by = self.stop()
                if self.stopped_by is not None:
                    self.shared.stopping.set()
            if self.shared.stopping.is_set() or (self.rank and os.getppid() != parent):
                return
            update = self.shared.claim(self.num_updates)
            if update is None:
                return
            self.update, self.global_step = update, update * self.plan.batch_size
            self.read_at, self.own_steps, self.seen = self.shared.applied.value, 0, []
            yield update

    def stepped(self, optimizer: Optimizer, args: Any, kwargs: Any) -> None:
        """After each optimiser step: count it, and note its staleness, the steps the other workers
        applied since this worker read the weights at the start of its update."""
        staleness = self.shared.step() - self.read_at - self.own_steps
        self.own_steps += 1
        self.seen.append(staleness)
        self.shared.staleness[self.rank] += torch.tensor([staleness, 1.0], dtype=torch.float64)

    def diverged(self, value: str) -> NoReturn:
        """Stop the run (worker 0) or this worker with one line; worker 0 says what model.pt holds."""
        if self.rank == 0:
            super().diverged(value)
        raise RunError(f"training diverged at update {self.update}: non-finite {value}")

    def log(self, finished_returns: Any, scalars: dict[str, float]) -> None:
        """Worker 0: log as a single run, with `charts/staleness`, the mean of its update's steps."""
        if self.rank == 0:
            super().log(finished_returns, {**scalars, "charts/staleness": float(np.mean(self.seen))})

    def checkpoint(self, modules: dict[str, Any]) -> None:
        """Nothing at the algorithm's own marks: worker 0 evaluates when the shared counter passes one."""

    def evaluate_when_due(self) -> None:
        """Worker 0, between its updates: evaluate and checkpoint as a single run does once the
        updates claimed passed an `--eval-every` mark since its last evaluation."""
        every = self.config.eval_every
        claimed = self.shared.claimed.value
        if claimed // every > self.evaluated // every and claimed < self.num_updates:
            self.update, self.global_step = claimed, claimed * self.plan.batch_size
            super().checkpoint(self.modules)
            self.evaluated = claimed

    def check_workers(self) -> None:
        """A RunError if a worker failed or died."""
        for rank, worker in enumerate(self.workers, start=1):
            if worker.exitcode not in (None, 0):
                reported = dict(iter_errors(self.shared))
                message = reported.get(rank, f"it died with exit code {worker.exitcode}")
                worker_name = f"asynchronous worker {rank} of {self.config.async_workers}"
                raise RunError(f"{worker_name}: {message}; {self.model_note()}")

    def wait_for_workers(self) -> None:
        """Let the other workers end their updates; a RunError if one fails on the way."""
        for worker in self.workers:
            while worker.exitcode is None:
                worker.join(timeout=0.2)
                self.check_workers()
        self.check_workers()

    def stop_workers(self) -> None:
        """Stop the other workers now (after an error or a repeated signal) and reap them."""
        if self.shared is not None:
            self.shared.stopping.set()
        for worker in self.workers:
            if worker.exitcode is None:
                worker.terminate()
            worker.join()

    def finish(self) -> dict[str, Any]:
        """Worker 0: wait for the others, then finish as a single run at the updates all reached."""
        self.wait_for_workers()
        self.update = self.shared.claimed.value
        self.global_step = self.update * self.plan.batch_size
        return super().finish()

    def asynchrony(self) -> dict[str, Any]:
        """The workers and the mean staleness of every step they took."""
        return {"async_workers": self.config.async_workers, "mean_staleness": self.shared.mean_staleness()}


def worker_seed(seed: int, rank: int, update: int) -> int:
    """The seed of worker `rank`'s generators and environments, from the run's seed and the update
    it starts from."""
    return int(np.random.SeedSequence([seed, rank, update]).generate_state(1)[0])


def iter_errors(shared: Shared) -> Iterator[tuple[int, str]]:
    """The (rank, message) of each worker that failed, as it reported them."""
    while not shared.errors.empty():
        yield shared.errors.get()


def work(parent: HogwildRun, rank: int) -> None:
    """Worker `rank`, forked: train the shared weights with the run's algorithm, on its own seed,
    one CPU thread, signals left to worker 0; report a failure and exit 1."""
    ignore_signals()
    torch.set_num_threads(1)
    seed = worker_seed(parent.config.seed, rank, parent.update)
    np.random.seed(seed)
    torch.manual_seed(seed)
    run = HogwildRun(
        parent.plan,
        parent.files.directory,
        parent.policy,
        parent.collector,
        False,
        parent.stop,
        parent.trainer,
        rank,
        parent.shared,
    )
    run.weights, run.update = parent.weights, parent.update
    try:
        parent.trainer(parent.plan, run)
    except Exception as error:  # a diverged or failed update: worker 0 says it, in one line
        parent.shared.errors.put((rank, str(error) or type(error).__name__))
        sys.exit(1)


def staleness_lines(result: dict[str, Any]) -> list[str]:
    """The end line of an asynchronous run: its workers and their mean staleness; none otherwise."""
    if "mean_staleness" not in result:
        return []
    return [
        f"asynchronous: {result['async_workers']} workers, mean staleness "
        f"{result['mean_staleness']:.2f} optimiser steps (not bit-reproducible)"
    ]
