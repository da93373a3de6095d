"""Training a grid: every cell's run on a backend, each run's record, stopping and resuming.

`train_grid` submits every cell that has no complete evaluation yet, shows the finished runs
on a progress bar (and the steps of those in flight), and keeps one `CellRecord` per cell: not
started, finished, interrupted or failed, with the final evaluation. Ctrl-C or SIGTERM to the
main process stops the grid: runs not started are dropped, each run in flight gets the same
signal (`rlnoise.signals`) and saves what it reached, as `rlnoise train` does, and the
results written say they are partial. On Ray the unfinished tasks are cancelled, and a run in
flight there is dropped. On resume (`read_previous`) finished runs are read back and an
interrupted run continues from its checkpoint (`rlnoise.train.resume`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rlnoise.config import Config
from rlnoise.errors import UsageError
from rlnoise.files import parse_json
from rlnoise.grid.backends import Backend
from rlnoise.grid.spec import Cell, Grid
from rlnoise.grid.summaries import run_figures
from rlnoise.manifest import PROGRESS_SECONDS, read_manifest
from rlnoise.metrics import EVALUATIONS
from rlnoise.signals import forwarded_signal, signals_ignored

Status = Literal["not started", "finished", "interrupted", "failed"]


@dataclass(frozen=True)
class CellRecord:
    """What the grid knows of one cell's run; `as_json` is its entry in the grid's JSON file."""

    agent: str
    seed: int
    directory: str
    settings: dict[str, Any] = field(default_factory=dict)
    """The cell's varied values (none in a comparison)."""
    status: Status = "not started"
    error: str | None = None
    """A failed run's exception, as `Type: message`."""
    global_step: int | None = None
    seconds: float | None = None
    evaluations: dict[str, Any] | None = None
    """The final evaluation's figures per mode (`rlnoise.metrics.EVALUATIONS`), once the run ended
    with one; `global_step` and `seconds` come with it."""
    figures: dict[str, Any] | None = None
    """The run's own figures (`rlnoise.grid.summaries.run_figures`), with the evaluations."""

    @classmethod
    def of(cls, cell: Cell) -> CellRecord:
        """A cell's record before its run trains."""
        config = cell.config
        return cls(config.agent, config.seed, str(cell.directory), cell.point)

    def ended(self, result: dict[str, Any] | None, error: BaseException | None) -> CellRecord:
        """This record with the run's result, or the exception that ended it (neither: not started)."""
        if isinstance(error, KeyboardInterrupt):
            return replace(self, status="interrupted")
        if error is not None:
            return replace(self, status="failed", error=f"{type(error).__name__}: {error}")
        if result is None:
            return self
        return replace(
            self,
            status="interrupted" if result["interrupted"] else "finished",
            global_step=result["global_step"],
            seconds=None if result.get("seconds") is None else round(result["seconds"], 1),
            evaluations={mode: result[mode] for mode in EVALUATIONS},
            figures=run_figures(result),
        )

    def as_json(self) -> dict[str, Any]:
        """The record as the grid's JSON file holds it (`settings` only where something varies,
        `error` only for a failed run, the figures only once the run ended with an evaluation)."""
        item: dict[str, Any] = {"agent": self.agent, "seed": self.seed}
        item.update({"settings": self.settings} if self.settings else {})
        item.update(directory=self.directory, status=self.status)
        item.update({"error": self.error} if self.error is not None else {})
        if self.evaluations is not None:
            item.update(global_step=self.global_step, seconds=self.seconds, **self.evaluations)
            item.update(figures=self.figures)
        return item

    def describe(self) -> str:
        """One line on a run that has ended."""
        point = "".join(f", {name} {value}" for name, value in self.settings.items())
        name = f"{self.agent}{point}, seed {self.seed}"
        if self.status != "finished" or self.evaluations is None:
            return f"{name}: {self.status}" + (f" ({self.error})" if self.error is not None else "")
        figures = ", ".join(
            f"{mode} {self.evaluations[mode]['outcome']} (return {self.evaluations[mode]['return']:.3f})"
            for mode in EVALUATIONS
        )
        seconds = "" if self.seconds is None else f", {self.seconds:.0f} s"
        return f"{name}: {figures}{seconds}"


def records_json(records: list[CellRecord]) -> list[dict[str, Any]]:
    """The records as the grid's JSON file holds them."""
    return [record.as_json() for record in records]


def finished_evaluation(directory: Path) -> dict[str, Any] | None:
    """The final evaluation of the run in `directory` if it finished, else None: finished when its
    manifest says `complete`, or, for a run written before manifests, when its `evaluation.json`
    says it was not interrupted."""
    try:
        evaluation = parse_json((directory / "evaluation.json").read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(evaluation, dict):
        return None
    manifest = read_manifest(directory)
    complete = (
        evaluation.get("interrupted") is False if manifest is None else manifest["status"] == "complete"
    )
    return evaluation if complete else None


def steps_in_flight(cells: list[Cell]) -> str:
    """The steps the runs that have started have reached, from their manifests (runs on this
    machine; a Ray cluster's runs write theirs where they train)."""
    started = [(read_manifest(cell.directory) or {}, cell) for cell in cells if cell.directory.is_dir()]
    started = [(manifest, cell) for manifest, cell in started if manifest.get("status") == "running"]
    if not started:
        return ""
    reached = sum(manifest.get("step", 0) for manifest, _ in started)
    total = sum(cell.config.total_timesteps for _, cell in started)
    return f"{len(started)} in flight: {reached / 1e3:,.0f}k of {total / 1e3:,.0f}k steps"


def status_line(records: list[CellRecord], interrupted: bool) -> str:
    """How many runs finished, and whether the results are partial."""
    finished = sum(record.status == "finished" for record in records)
    return f"{finished} of {len(records)} runs finished" + (
        " (interrupted: partial results)" if interrupted else ""
    )


def first_records(
    cells: list[Cell], previous: Mapping[str, Any] | None
) -> tuple[list[CellRecord], list[int]]:
    """Each cell's record as the session starts, and the indices of the cells to train: with
    `previous` (an earlier session's seconds per run, by run name), a run that finished then is
    read back from its directory."""
    records, todo = [], []
    for index, cell in enumerate(cells):
        evaluation = finished_evaluation(cell.directory) if previous is not None else None
        record = CellRecord.of(cell)
        if evaluation is not None:
            seconds = previous.get(cell.directory.name)
            records.append(record.ended({**evaluation, "seconds": seconds}, None))
        else:
            records.append(record)
            todo.append(index)
    return records, todo


class Session:
    """One session of training a grid: its records, the runs in flight and the progress bar."""

    def __init__(
        self,
        cells: list[Cell],
        backend: Backend,
        records: list[CellRecord],
        on_change: Callable[[list[CellRecord]], None] | None,
        todo: list[int],
    ):
        from tqdm import tqdm

        self.cells, self.backend, self.records, self.on_change = cells, backend, records, on_change
        self.todo = todo
        """The indices of the cells to train."""
        self.pending: dict[Any, int] = {}
        """Each unfinished run's handle, and its cell's index."""
        title = f"{cells[0].config.env_id}, {backend.description}"
        initial = len(cells) - len(todo)  # the runs read back
        self.bar = tqdm(total=len(cells), initial=initial, unit="run", desc=title, file=sys.stderr)

    def run(self) -> KeyboardInterrupt | None:
        """Train the cells to train; the interrupt that stopped them, if one did."""
        cells = self.cells
        self.pending = {self.backend.submit(cells[i], cells[i].directory.is_dir()): i for i in self.todo}
        interrupt = None
        try:
            try:
                while self.pending:
                    self.collect(self.backend.wait(list(self.pending), timeout=PROGRESS_SECONDS))
            except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM (`Terminated`)
                interrupt = error
                self.stop(error)
        finally:
            with signals_ignored():
                self.backend.close()
            self.bar.close()
        return interrupt

    def stop(self, interrupt: KeyboardInterrupt) -> None:
        """Drop the runs not started, pass the signal on to those in flight, wait while they save."""
        with signals_ignored():
            self.backend.stop(list(self.pending), forwarded_signal(interrupt))
            while self.pending:
                self.collect(self.backend.wait(list(self.pending)))

    def collect(self, done: list[Any]) -> None:
        """Record the runs that have ended, and show them; else show the steps of those in flight."""
        if not done:
            self.bar.set_postfix_str(steps_in_flight([self.cells[index] for index in self.pending.values()]))
            return
        for handle in done:
            index = self.pending.pop(handle)
            record = self.records[index].ended(*self.backend.finish(handle, self.cells[index]))
            self.records[index] = record
            if record.status == "finished":  # the count the summary gives (`status_line`)
                self.bar.update()
            if record.status != "not started":
                self.bar.write(record.describe())
        if self.on_change is not None:
            self.on_change(self.records)


def train_grid(
    cells: list[Cell],
    backend: Backend,
    previous: Mapping[str, Any] | None = None,
    on_change: Callable[[list[CellRecord]], None] | None = None,
) -> tuple[list[CellRecord], KeyboardInterrupt | None]:
    """Train every cell on `backend`; return the runs' records and the interrupt that stopped the grid.

    With `previous` (an earlier session's seconds per run, by run name: `read_previous`), a
    finished run is read back, an unfinished one continues from its checkpoint, and the others
    train from the start. `on_change` sees the records before the first run starts and whenever a
    run ends.
    """
    records, todo = first_records(cells, previous)
    if on_change is not None:  # the grid's description is on disk before any run starts
        on_change(records)
    interrupt = Session(cells, backend, records, on_change, todo).run()
    return records, interrupt


def read_previous(path: Path, grid: Grid, flag: str) -> dict[str, Any]:
    """The seconds each run of the grid saved at `path` took, by run name; a UsageError if it holds
    another grid."""
    try:
        saved = parse_json(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        raise UsageError(
            f"{flag} {path.parent} holds no readable {path.name}: nothing of this grid to resume"
        ) from None
    identity = grid.identity()
    if isinstance(saved, dict) and isinstance(saved.get("settings"), dict):
        # a setting added to rlnoise after the grid was saved had its default there
        defaults = json.loads(json.dumps(asdict(Config())))
        added = {name: defaults[name] for name in identity["settings"] if name in defaults}
        saved = {**saved, "settings": {**added, **saved["settings"]}}
    if not isinstance(saved, dict) or {key: saved.get(key) for key in identity} != identity:
        differs = next(
            (key for key in identity if not isinstance(saved, dict) or saved.get(key) != identity[key]), ""
        )
        raise UsageError(
            f"{flag} {path.parent} holds another grid (its {differs} differ); resume it with the command "
            f"in {path.name}, or choose another {flag}"
        )
    runs = [item for item in saved.get("runs", []) if isinstance(item, dict) and "directory" in item]
    return {Path(item["directory"]).name: item.get("seconds") for item in runs}
