"""The files a grid writes beside its runs: `results.*` for a comparison, `sweep.*` for a sweep.

A comparison (nothing varied): `results.json` (the command that reproduces it, the settings,
every run's figures and status, per agent and play (sampled or deterministic) each figure's mean, standard
deviation, 95% percentile-bootstrap interval of the mean and values over seeds and every seed's outcome),
`results.md` (the same as tables: each figure as `mean [low, high]`, as sweep.md prints it) and
`results.png` (each agent's first picture above its figures and every seed's outcomes).

A sweep: `sweep.json` (the command, the varied settings, every run's settings, seed, final
figures, outcome and wall time, each point's summary with intervals over seeds, the measured
and predicted transitions), `sweep.md` (tables per agent and play (sampled or deterministic), the transitions)
and `phase.png` (`rlnoise.phase_figure`), also logged to TensorBoard as `phase` in the sweep's
directory. Each JSON file is written first when the grid starts, so that `--resume` knows the
grid even after a crash.
"""

from __future__ import annotations

import importlib
import math
import threading
from pathlib import Path
from typing import Any

from rlnoise.files import write_json, write_text
from rlnoise.grid.scheduler import CellRecord, records_json, status_line
from rlnoise.grid.spec import Grid
from rlnoise.grid.summaries import SUMMARY_FIGURES, summarize_cells
from rlnoise.metrics import EVALUATIONS, OUTCOMES
from rlnoise.startup import uncollected

DRAWING = ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.image", "matplotlib.gridspec")
"""What the results' pictures are drawn with (`rlnoise.pictures`)."""


def import_beside_workers() -> None:
    """Import what writing the results needs (matplotlib; scipy.stats for the intervals over seeds) in
    a thread, while the workers start: the forkserver imports torch on one core as this process waits,
    so the imports come free instead of after the last run (about a second on 2 cores). Collecting no
    garbage, then freezing it all (`rlnoise.startup.uncollected`): writing the results walks none."""

    def prepare() -> None:
        with uncollected():
            for name in (*DRAWING, "scipy.stats"):
                importlib.import_module(name)

    threading.Thread(target=prepare, daemon=True).start()


COMPARISON = "results.json"
SWEEP = "sweep.json"


def json_name(grid: Grid) -> str:
    """The JSON file of the grid's results: `results.json` for a comparison, `sweep.json` for a sweep."""
    return SWEEP if grid.axes else COMPARISON


def outcome_counts(outcomes: list[str]) -> str:
    """How many seeds had each outcome: `covering 4/5, mixed 1/5`."""
    counts = {outcome: outcomes.count(outcome) for outcome in dict.fromkeys(outcomes)}
    return ", ".join(f"{outcome} {count}/{len(outcomes)}" for outcome, count in counts.items())


def rows(summary: dict[str, Any]) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The rows of the figures table (`mean [low, high]` over seeds, `format_interval`; outcome
    counts) and of the outcomes per seed, each with the outcomes of its start states."""
    from rlnoise.report import format_shares

    figures, outcomes = {}, {}
    for agent, plays in summary.items():
        for play, entry in plays.items():
            name = f"{agent} {play}"
            cells = {key: format_interval(value) for key, value in entry["figures"].items()}
            cells["outcome"] = outcome_counts(list(entry["outcomes"].values()))
            figures[name] = cells
            outcomes[name] = {
                f"seed {seed}": f"{outcome} ({format_shares(entry['outcome_shares'][seed])})"
                for seed, outcome in entry["outcomes"].items()
            }
    return figures, outcomes


def header(grid: Grid, records: list[CellRecord], interrupted: bool, name: str) -> dict[str, Any]:
    """What both kinds of results record first: the command, the status and the grid."""
    return {
        "command": grid.command(name),
        "complete": all(record.status == "finished" for record in records),
        "status": status_line(records, interrupted),
        **grid.identity(),
    }


def write_comparison(directory: Path, grid: Grid, records: list[CellRecord], interrupted: bool) -> str:
    """Write results.json, results.md and results.png; return the text tables."""
    from matplotlib.image import imread

    from rlnoise.pictures import results_picture, save_png
    from rlnoise.report import markdown, table

    runs = records_json(records)
    summary = summarize_cells(runs, grid.agents)
    results = {**header(grid, records, interrupted, "compare"), "summary": summary, "runs": runs}
    write_json(directory / COMPARISON, results)

    figures, outcomes = rows(summary)
    seed_columns = [f"seed {seed}" for seed in grid.seeds]
    columns = (*SUMMARY_FIGURES, "outcome")
    text = table(figures, "agent / evaluation", columns) + "\n\n"
    text += table(outcomes, "outcome per seed", seed_columns)
    lines = [
        f"# rlnoise compare: {grid.base.env_id}",
        "",
        f"Command: `{results['command']}`",
        "",
        f"{results['status']}. Figures: mean [95% percentile-bootstrap interval] over seeds; the outcome "
        "counts seeds. "
        "Per seed: the run's outcome, and in brackets the outcomes of its start states (docs/design.md).",
        "",
        markdown(figures, "agent / evaluation", columns),
        "",
        markdown(outcomes, "outcome per seed", seed_columns),
        "",
        "![results](results.png)",
        "",
        "The pictures above are each agent's first finished seed (its sampled episodes, `paths.png`, "
        "on an environment of several steps; else where it acts, `policy.png`), and below them every "
        "seed's outcomes; every run's own pictures are in its directory, and in TensorBoard at the "
        "final evaluation and every `--picture-every`-th one.",
    ]
    write_text(directory / "results.md", "\n".join(lines) + "\n")

    pictures = {}
    for agent in summary:
        first = next(record for record in records if record.agent == agent and record.status == "finished")
        shown = [Path(first.directory) / name for name in ("paths.png", "policy.png")]
        picture_path = next((path for path in shown if path.exists()), None)
        if picture_path is not None:
            pictures[f"{agent} (seed {first.seed})"] = imread(picture_path)[..., :3]
    if summary:
        title = f"{grid.base.env_id}: {', '.join(summary)} over seeds {','.join(map(str, grid.seeds))}"
        save_png(results_picture(pictures, summary, title), directory / "results.png")
    return text


def write_started(directory: Path, grid: Grid, records: list[CellRecord]) -> None:
    """Write the grid's JSON file as it stands while it trains: its identity and the runs' records."""
    name = "sweep" if grid.axes else "compare"
    results = {**header(grid, records, False, name), "runs": records_json(records)}
    write_json(directory / json_name(grid), results)


def three_decimals(value: Any) -> str:
    """A number with three decimals, or `nan` for a missing one."""
    return "nan" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def state_share(entry: dict[str, Any], outcome: str) -> str:
    """The share of start states in `outcome` with its interval, in percent."""
    low, high = entry["state_intervals"][outcome]
    bounds = "" if low is None else f" [{100 * low:.0f}, {100 * high:.0f}]"
    return f"{entry['state_shares'][outcome]:.0%}{bounds}"


def format_interval(figure: dict[str, Any]) -> str:
    """`mean [low, high]` over seeds."""
    low, high = figure["interval"]
    bounds = "" if low is None else f" [{low:.3f}, {high:.3f}]"
    return three_decimals(figure["mean"]) + bounds


def transition_rows(transitions: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """One row per transition: the measured crossing of one half with its 95% interval, the predicted one."""
    from rlnoise.phase import value_label as short

    found = {}
    for item in transitions:
        where = "".join(f", {name} {short(value)}" for name, value in item["at"].items())
        name = f"{item['agent']} {item['play']}: {item['outcome']}{where}"
        if name in found:  # a second crossing of the same line
            name += f" ({sum(row.startswith(name) for row in found) + 1})"
        measured = "no crossing"
        if item["measured"] is not None:
            low, high = item["measured_interval"]
            measured = f"{item['measured']:.3g} [{low:.3g}, {high:.3g}]"
        predicted = item["predicted"]
        found[name] = {
            "measured": measured,
            "predicted": "" if predicted is None else f"{predicted:.3g}",
            "theory": item.get("theory", ""),
        }
    return found


def order_sections(analysis: dict[str, Any], setting: str) -> list[str]:
    """sweep.md's sections of the order parameters (a theory's, and those that need none): measured
    with its interval, and the theory's value where it predicts one."""
    from rlnoise.phase import value_label as short
    from rlnoise.report import markdown

    sections, beside = [], ", beside the theory's value"
    for item in [item for item in [*analysis["curves"], *analysis["orders"]] if "order" in item]:
        order = item["order"]
        predicted = dict(zip(item.get("values", ()), order.get("predicted", ()), strict=True))
        rows = {
            short(x): {
                "measured": ""
                if value["median"] is None
                else format_interval({"mean": value["median"], **value}),
                "theory": f"{predicted[x]:.3f}" if predicted else "",
            }
            for x, value in zip(order["settings"], order["measured"], strict=True)
        }
        where = "".join(f", {name} {short(value)}" for name, value in item["at"].items())
        sections += [
            f"## {item['agent']}, {item['play']}{where}: order parameter {order['name']}",
            "",
            f"Per point: {order['measure']}; median over seeds [95% percentile-bootstrap interval "
            f"over seeds]{beside if predicted else ''}.",
            "",
            markdown(rows, setting, ("measured", "theory") if predicted else ("measured",)),
            "",
        ]
    return sections


def series_table(series: dict[str, Any], axis: str) -> str:
    """One series of a theory line as a markdown table: per place its runs, the measured figure
    with its interval, theory's value, and how many runs converged where the runs judge it."""
    from rlnoise.report import markdown

    columns = ("runs", "measured", "theory") + (("converged",) if "converged" in series["points"][0] else ())
    rows = {
        f"{point['x']:.4g}": {
            "runs": str(point["runs"]),
            "measured": ""
            if point["measured"] is None
            else format_interval({"mean": point["measured"], "interval": point["interval"]}),
            "theory": "" if point["predicted"] is None else three_decimals(point["predicted"]),
            "converged": point.get("converged", ""),
        }
        for point in series["points"]
    }
    return markdown(rows, axis, columns)


def series_readings(series: dict[str, Any]) -> list[str]:
    """The series' fit (slope with interval, beside theory's) and crossing of one half, as sentences."""
    readings = []
    if "fit" in series:
        fit = series["fit"]
        kind = "y = b x" if fit["kind"] == "proportional" else "log y = a + b x"
        theory = "" if fit.get("predicted") is None else f"; theory: b = {fit['predicted']:.3g}"
        readings += [f"Fit {kind}: b = {format_interval({'mean': fit['value'], **fit})}{theory}", ""]
    if "crossing" in series:
        crossing = series["crossing"]
        measured = (
            "none"
            if crossing["measured"] is None
            else format_interval({"mean": crossing["measured"], **crossing})
        )
        predicted = "none" if crossing["predicted"] is None else f"{crossing['predicted']:.3f}"
        readings += [f"Crosses one half at {measured}; theory: {predicted}", ""]
    return readings


def line_readings(analysed: list[dict[str, Any]]) -> list[str]:
    """Each theory line's fits and crossings, one line per series, as the sweep prints them."""
    from rlnoise.lines_figure import series_label

    return [
        f"{line['figure']} against {line['axis']}, {series_label(series)}: {reading}"
        for line in analysed
        for series in line["series"]
        for reading in series_readings(series)
        if reading
    ]


def line_sections(analysed: list[dict[str, Any]]) -> list[str]:
    """sweep.md's sections of the environment's theory lines: each series' points measured with
    their intervals and predicted, its fit and its crossing of one half."""
    from rlnoise.lines_figure import series_label

    sections = []
    for line in analysed:
        play = "" if line["play"] is None else f" ({line['play']})"
        sections += [f"## Line: {line['figure']}{play}", "", line["statement"], ""]
        for series in line["series"]:
            sections += [f"{series_label(series)}:", "", series_table(series, line["axis"]), ""]
            sections += series_readings(series)
    return sections + (["![theory lines](lines.png)", ""] if analysed else [])


def point_tables(grid: Grid, points: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """sweep.md's sections of one table per agent and play (a row per point), and the
    same tables as text."""
    from rlnoise.phase import value_label as short
    from rlnoise.report import markdown, table

    names = [axis.name for axis in grid.axes]
    columns = ("outcome", "return", "collapse_rate", "mode_entropy", *[f"{o} states" for o in OUTCOMES])
    sections, texts = [], []
    for agent in grid.agents:
        for play in EVALUATIONS:
            body = {}
            for point in points:
                entry = point["summary"].get(agent, {}).get(play)
                if entry is None:
                    continue
                label = ", ".join(f"{name} {short(point['settings'][name])}" for name in names)
                body[label] = {
                    "outcome": outcome_counts(list(entry["outcomes"].values())),
                    **{
                        name: format_interval(entry["figures"][name])
                        for name in ("return", "collapse_rate", "mode_entropy")
                    },
                    **{f"{o} states": state_share(entry, o) for o in OUTCOMES},
                }
            if body:
                sections += [f"## {agent}, {play}", "", markdown(body, "settings", columns), ""]
                texts.append(f"{agent}, {play}\n" + table(body, "settings", columns))
    return sections, texts


def write_pictures(
    directory: Path, grid: Grid, analysis: dict[str, Any], analysed: list[dict[str, Any]], status: str
) -> None:
    """Draw phase.png (also to TensorBoard) and, where the env declares lines, lines.png."""
    from rlnoise.lines_figure import lines_picture
    from rlnoise.phase_figure import phase_picture
    from rlnoise.pictures import save_png

    image = phase_picture(grid, analysis, f"{grid.base.env_id}: {status}")
    save_png(image, directory / "phase.png")
    if analysed:
        save_png(lines_picture(analysed, f"{grid.base.env_id}: theory lines"), directory / "lines.png")
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(directory)) as writer:
        writer.add_image("phase", image, dataformats="HWC")


def write_sweep(directory: Path, grid: Grid, records: list[CellRecord], interrupted: bool) -> str:
    """Write sweep.json, sweep.md and the pictures (`write_pictures`); return the text tables."""
    from rlnoise.lines import analyse_lines
    from rlnoise.phase import analyse
    from rlnoise.report import markdown, table

    runs = records_json(records)
    analysis = analyse(grid, runs)
    analysed = analyse_lines(grid, runs)
    points = [
        {key: value for key, value in point.items() if key != "records"} for point in analysis["points"]
    ]
    results = {
        **header(grid, records, interrupted, "sweep"),
        "points": points,
        "transitions": analysis["transitions"],
        "theory": analysis["curves"],
        "orders": analysis["orders"],
        "lines": analysed,
        "runs": runs,
    }
    write_json(directory / SWEEP, results)

    names = [axis.name for axis in grid.axes]
    sections, texts = point_tables(grid, points)
    sections += order_sections(analysis, names[0])
    sections += line_sections(analysed)
    transitions = transition_rows(analysis["transitions"])
    along = f"along {names[0]}" + (f", for each value of {', '.join(names[1:])}" if names[1:] else "")
    transition_columns = ("measured", "predicted", "theory")
    lines = [
        f"# rlnoise sweep: {grid.base.env_id}",
        "",
        f"Command: `{results['command']}`",
        "",
        f"{results['status']}. Per point: the count of seeds in each outcome; return, collapse rate and "
        "mode entropy as mean [95% percentile-bootstrap interval] over seeds; the share of start states "
        "in each outcome, averaged over seeds [95% percentile bootstrap over seeds and start states].",
        "",
        *sections,
        f"## Transitions ({along})",
        "",
        "Where the share of start states in an outcome crosses one half, interpolated, with its 95% "
        "percentile-bootstrap interval (seeds and start states resampled; a resample that does not "
        "cross counts as the grid's end); beside it the crossing that the environment's theory "
        "predicts, where it declares one.",
        "",
        markdown(transitions, "agent, play: outcome", transition_columns) if transitions else "None found.",
        "",
        "![phase diagram](phase.png)",
    ]
    write_text(directory / "sweep.md", "\n".join(lines) + "\n")

    write_pictures(directory, grid, analysis, analysed, results["status"])
    texts.append(table(transitions, "transition", transition_columns) if transitions else "no transitions")
    texts += line_readings(analysed)
    return "\n\n".join(texts)
