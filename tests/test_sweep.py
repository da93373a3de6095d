"""`rlnoise sweep`: the grid's values, its files, the regression transition, bad input, stop and resume."""

import contextlib
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import read_strict_json
from matplotlib.image import imread

from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.files import write_json
from rlnoise.grid.backends import PRELOAD, LocalBackend
from rlnoise.grid.scheduler import CellRecord, steps_in_flight
from rlnoise.grid.spec import Axis, Cell, Grid, parse_axis

TINY = ["--total-timesteps", "2048", "--num-envs", "256", "--eval-contexts", "4", "--eval-samples", "8"]
# The schedule of tests/test_compare.py, on which the regressor already shows its outcome.
SHORT = ["--total-timesteps", "76800", "--num-envs", "256", "--learning-rate", "0.01", "--eval-every", "150"]
FIXED_SCENE = ["--env-kwargs", '{"half_gap": 0.6}']


def test_values_are_lists_linear_and_log_ranges_of_any_setting():
    assert parse_axis("sigma=0.1,0.2,0.4").values == (0.1, 0.2, 0.4)
    linear = parse_axis("sigma=0.1:1.2:12")
    assert linear.values[:3] == (0.1, 0.2, 0.3) and len(linear.values) == 12 and not linear.log
    log = parse_axis("ent-coef=log:0.001:1:4")
    assert log.name == "ent_coef" and log.values == (0.001, 0.01, 0.1, 1.0) and log.log
    assert parse_axis("total_timesteps=1000:3000:3").values == (1000, 2000, 3000)
    assert parse_axis("env.half_gap=0.5,0.6").values == (0.5, 0.6)
    seeds = parse_axis("env.table_seed=1:4:4").values  # whole ends and steps: whole numbers, as the env asks
    assert seeds == (1, 2, 3, 4) and all(isinstance(value, int) for value in seeds)
    assert parse_axis("env.half_gap=0:1:3").values == (0.0, 0.5, 1.0)


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("sigm=0.1,0.2", "unknown setting 'sigm'; did you mean sigma?"),
        ("sigma=0.1:1.2", "malformed range '0.1:1.2'"),
        ("sigma=log:0:1:5", "malformed range"),
        ("sigma=-1,0.5", "sigma: must be > 0, got -1"),
        ("total_timesteps=1.5", "expected a number of type int"),
        ("seed=1,2", "use --agents, --seeds or env.KEY"),
        ("sigma", "expected NAME=VALUES"),
        ("components=0,2", "components: must be > 0, got 0"),
    ],
)
def test_bad_vary_is_one_line_exit_2_and_starts_no_run(tmp_path, capsys, vary, message):
    logdir = tmp_path / "never"
    with pytest.raises(SystemExit) as exit:
        main(["sweep", "--vary", vary, "--logdir", str(logdir)])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error
    assert not logdir.exists()


def test_an_env_value_the_env_rejects_exits_2_before_any_run(tmp_path, capsys):
    logdir = tmp_path / "never"
    assert main(["sweep", "--vary", "env.half_gap=0.5,-1", "--logdir", str(logdir)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "half_gap must be > 0" in error
    assert not logdir.exists()


def test_backend_ray_without_ray_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as without the extra
    logdir = tmp_path / "never"
    assert main(["sweep", "--vary", "sigma=0.3,0.9", "--backend", "ray", "--logdir", str(logdir)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "pip install -e '.[ray]'" in error
    assert not logdir.exists()


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """2 values x 2 seeds of the regressor, tiny runs."""
    logdir = tmp_path_factory.mktemp("sweep") / "small"
    flags = ["--agents", "regression", "--seeds", "1-2", "--vary", "sigma=0.3,0.9", "--jobs", "2"]
    code = main(["sweep", *flags, *TINY, *FIXED_SCENE, "--logdir", str(logdir)])
    return code, logdir


@pytest.mark.slow
@pytest.mark.xdist_group("small_sweep")
def test_a_small_sweep_writes_its_runs_json_markdown_and_phase_diagram(small_sweep):
    code, logdir = small_sweep
    assert code == 0
    names = {f"regression__sigma={sigma}__seed{seed}" for sigma in (0.3, 0.9) for seed in (1, 2)}
    assert names <= {path.name for path in logdir.iterdir()}
    for name in names:
        assert (logdir / name / "evaluation.json").is_file() and (logdir / name / "manifest.json").is_file()
    results = read_strict_json(logdir / "sweep.json")
    assert results["complete"] and results["vary"][0]["name"] == "sigma"
    assert [(run["settings"]["sigma"], run["seed"]) for run in results["runs"]] == [
        (0.3, 1),
        (0.3, 2),
        (0.9, 1),
        (0.9, 2),
    ]
    assert all(run["status"] == "finished" and run["seconds"] > 0 for run in results["runs"])
    point = results["points"][0]
    assert point["settings"] == {"sigma": 0.3}
    entry = point["summary"]["regression"]["deterministic"]
    shares = entry["seed_shares"]
    assert sum(share["share"] for share in shares.values()) == pytest.approx(1.0)
    assert all(
        0 <= share["interval"][0] <= share["share"] <= share["interval"][1] <= 1 for share in shares.values()
    )
    assert len(entry["figures"]["return"]["values"]) == 2 and len(entry["figures"]["return"]["interval"]) == 2
    theory = next(item for item in results["transitions"] if item["outcome"] == "averaged")
    assert theory["predicted"] == pytest.approx(0.564, abs=0.01)  # x*(sigma) crosses d/2
    assert all(0 <= low <= high <= 1 for low, high in entry["state_intervals"].values())
    assert "--vary sigma=0.3,0.9" in results["command"] and "half_gap" in results["command"]
    markdown = (logdir / "sweep.md").read_text()
    assert "## regression, deterministic" in markdown and "![phase diagram](phase.png)" in markdown
    picture = imread(logdir / "phase.png")
    assert picture.ndim == 3 and picture.shape[0] > 400 and picture.shape[1] > 800
    assert any(path.name.startswith("events.out") for path in logdir.iterdir())  # phase.png in TensorBoard


@pytest.mark.slow
@pytest.mark.xdist_group("small_sweep")
def test_resume_refuses_a_directory_that_holds_another_grid(small_sweep, capsys):
    _, logdir = small_sweep
    flags = ["--agents", "regression", "--seeds", "1-3", "--vary", "sigma=0.3,0.9", *TINY, *FIXED_SCENE]
    before = sorted(path.name for path in logdir.iterdir())
    assert main(["sweep", *flags, "--logdir", str(logdir), "--resume"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "holds another grid (its seeds differ)" in error
    assert sorted(path.name for path in logdir.iterdir()) == before


@pytest.mark.slow
@pytest.mark.xdist_group("small_sweep")
def test_resume_takes_a_grid_saved_before_a_setting_existed(small_sweep, tmp_path, capsys):
    _, saved = small_sweep
    logdir = tmp_path / "old"
    shutil.copytree(saved, logdir)
    results = read_strict_json(logdir / "sweep.json")
    del results["settings"]["dropout"]  # as a version of rlnoise without --dropout wrote it
    write_json(logdir / "sweep.json", results)
    flags = ["--agents", "regression", "--seeds", "1-2", "--vary", "sigma=0.3,0.9", *TINY, *FIXED_SCENE]
    assert main(["sweep", *flags, "--logdir", str(logdir), "--resume"]) == 0, capsys.readouterr().err
    assert read_strict_json(logdir / "sweep.json")["settings"]["dropout"] == 0.0


@pytest.mark.slow
def test_the_regressor_commits_at_small_sigma_and_averages_at_large_sigma(tmp_path):
    logdir = tmp_path / "transition"
    flags = ["--agents", "regression", "--seeds", "1-3", "--vary", "sigma=0.3,0.9"]
    assert main(["sweep", *flags, *SHORT, *FIXED_SCENE, "--logdir", str(logdir)]) == 0
    results = read_strict_json(logdir / "sweep.json")
    outcomes = {
        point["settings"]["sigma"]: set(point["summary"]["regression"]["deterministic"]["outcomes"].values())
        for point in results["points"]
    }
    assert outcomes == {0.3: {"committed"}, 0.9: {"averaged"}}
    averaged = next(item for item in results["transitions"] if item["outcome"] == "averaged")
    low, high = averaged["measured_interval"]
    assert 0.3 <= low <= averaged["measured"] <= high <= 0.9
    (curve,) = results["theory"]
    order = curve["order"]  # the point's distance from the midpoint in half gaps, measured and predicted
    predicted = dict(zip(curve["values"], order["predicted"], strict=True))
    medians = [value["median"] for value in order["measured"]]
    assert medians[0] > 0.8 and medians[1] < 0.2
    assert [predicted[0.3], predicted[0.9]] == [pytest.approx(1.0, abs=0.01), pytest.approx(0.0, abs=0.01)]
    assert all(value["interval"][0] <= value["median"] <= value["interval"][1] for value in order["measured"])
    assert "order parameter |point - c| / d" in (logdir / "sweep.md").read_text()


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc: children, their children, ...)."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            found.update(map(int, children))
            frontier += map(int, children)
    return found


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_sigterm_to_the_main_process_stops_the_workers_saves_and_resume_finishes(tmp_path):
    logdir = tmp_path / "stopped"
    flags = ["--agents", "categorical", "--seeds", "1-3", "--jobs", "2", "--vary", "ent_coef=0.2"]
    schedule = ["--total-timesteps", "102400", "--num-envs", "256", "--eval-every", "100"]
    schedule += ["--eval-contexts", "8", "--eval-samples", "16"]
    command = [sys.executable, "-m", "rlnoise.cli", "sweep", *flags, *schedule, "--logdir", str(logdir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not list(logdir.glob("*/checkpoint.pt")) and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = descendants(process.pid)
    assert workers, "the sweep started no worker"
    process.send_signal(signal.SIGTERM)  # the main process only, as a job scheduler does
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "processes left behind"
    results = read_strict_json(logdir / "sweep.json")
    statuses = [run["status"] for run in results["runs"]]
    assert "interrupted" in statuses and not results["complete"], statuses
    interrupted = next(run for run in results["runs"] if run["status"] == "interrupted")
    assert read_strict_json(Path(interrupted["directory"]) / "manifest.json")["status"] == "interrupted"

    finished_before = {
        run["directory"]: os.stat(Path(run["directory"]) / "evaluation.json").st_mtime_ns
        for run in results["runs"]
        if run["status"] == "finished"
    }
    assert main(["sweep", *flags, *schedule, "--logdir", str(logdir), "--resume"]) == 0
    resumed = read_strict_json(logdir / "sweep.json")
    assert resumed["complete"] and all(run["status"] == "finished" for run in resumed["runs"])
    for directory, mtime in finished_before.items():
        assert os.stat(Path(directory) / "evaluation.json").st_mtime_ns == mtime  # left alone


@pytest.mark.slow
def test_the_ray_backend_gives_the_local_backend_figures(tmp_path):
    pytest.importorskip("ray")
    flags = ["--agents", "regression", "--seeds", "1-2", "--vary", "sigma=0.3,0.9", "--jobs", "2", *TINY]
    figures = {}
    for backend in ("local", "ray"):
        logdir = tmp_path / backend
        assert main(["sweep", *flags, "--backend", backend, "--logdir", str(logdir)]) == 0
        runs = read_strict_json(logdir / "sweep.json")["runs"]
        figures[backend] = [{mode: run[mode] for mode in ("sampled", "deterministic")} for run in runs]
        for run in runs:  # the files came back into the driver's directory
            assert {"config.json", "evaluation.json", "model.pt", "manifest.json"} <= set(
                os.listdir(run["directory"])
            )
            assert read_strict_json(Path(run["directory"]) / "config.json")["logdir"] == str(logdir)
    assert figures["ray"] == figures["local"]


def test_a_transition_is_the_interpolated_crossing_of_one_half_in_log_x_for_a_log_range():
    from rlnoise.crossings import crossings

    assert crossings([0.1, 0.3, 0.5], [0.0, 0.25, 0.75], log=False) == [pytest.approx(0.4)]
    assert crossings([0.01, 1.0], [0.0, 1.0], log=True) == [pytest.approx(0.1)]
    assert crossings([1, 2, 3], [0.2, 0.4, None], log=False) == []


def test_a_crossing_s_bootstrap_interval_holds_it_inside_the_grid_and_narrows_with_more_seeds():
    from rlnoise.crossings import crossing_interval, crossings, share_bootstrap

    xs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    rng = np.random.default_rng(1)

    def runs(seeds: int) -> list[np.ndarray]:  # each start state averaged with probability rising in x
        return [(rng.random((seeds, 32)) < share).astype(float) for share in (0.0, 0.1, 0.3, 0.7, 0.9, 1.0)]

    few, many = runs(3), runs(30)
    measured = crossings(xs, [matrix.mean() for matrix in few], log=False)[0]
    low, high = crossing_interval(xs, few, False, measured)
    assert 0.1 <= low <= measured <= high <= 0.6
    wide = high - low
    measured = crossings(xs, [matrix.mean() for matrix in many], log=False)[0]
    low, high = crossing_interval(xs, many, False, measured)
    assert low <= measured <= high and high - low < wide
    certain = [np.full((3, 32), float(x > 0.35)) for x in xs]  # every seed and state alike
    assert crossing_interval(xs, certain, False, 0.35) == pytest.approx([0.35, 0.35])
    bounds = share_bootstrap(few)
    assert ((bounds[0] >= 0) & (bounds[0] <= [m.mean() for m in few]) & (bounds[1] <= 1)).all()


def test_twobales_predicts_the_regressor_s_label_from_the_smoothed_optimum():
    import gymnasium as gym

    from rlnoise.contract import theories
    from rlnoise.envs.two_bales import smoothed_hay, smoothed_optimum

    env = gym.make("TwoBales-v0", half_gap=0.6)
    (theory,) = theories(env)
    observation, _ = env.reset(seed=0)
    assert (theory.agent, theory.play, theory.outcome) == ("regression", "deterministic", "averaged")
    labels = {
        sigma: theory.predict(env.unwrapped, observation, {"sigma": sigma}) for sigma in (0.45, 0.53, 0.58)
    }
    assert labels == {0.45: "committed", 0.53: "diffuse", 0.58: "averaged"}
    assert [theory.predict(env.unwrapped, observation, {"sigma": sigma}) for sigma in (0.559, 0.569)] == [
        "diffuse",
        "averaged",
    ]  # x* crosses d/2 at sigma 0.564
    assert smoothed_optimum(0.5, 0.0, 0.6, 0.1) / 0.6 == pytest.approx(0.81, abs=0.01)
    assert smoothed_optimum(0.55, 0.0, 0.6, 0.1) / 0.6 == pytest.approx(0.60, abs=0.01)
    assert smoothed_optimum(0.0, 0.2, 0.6, 0.1) == pytest.approx(0.8, abs=1e-3)
    noise = np.random.default_rng(0).normal(0.0, 0.5, 400_000)  # the closed form against sampling
    sampled = np.maximum(*(np.exp(-0.5 * ((0.3 + noise - bale) / 0.1) ** 2) for bale in (-0.6, 0.6))).mean()
    assert smoothed_hay(np.array([0.3]), 0.5, 0.0, 0.6, 0.1)[0] == pytest.approx(sampled, abs=2e-3)
    assert theory.scene[1](observation) == pytest.approx(0.6)


def test_compare_resume_refuses_a_directory_without_its_grid(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["compare", "--logdir", str(tmp_path), "--resume"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "holds no readable results.json" in error
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_an_agent_setting_varied_for_an_agent_that_does_not_take_it_exits_2(tmp_path, capsys):
    flags = ["--agents", "mixture,categorical", "--vary", "components=2,4"]
    assert main(["sweep", *flags, "--logdir", str(tmp_path / "never")]) == 2
    assert "--vary components: a setting of agent mixture, not of categorical" in capsys.readouterr().err


@pytest.mark.slow
def test_a_sweep_along_an_agent_setting_gives_each_run_its_value(tmp_path):
    flags = ["--agents", "mixture", "--seeds", "1", "--vary", "components=2,3", "--jobs", "1"]
    assert main(["sweep", *flags, *TINY, "--logdir", str(tmp_path / "s")]) == 0
    runs = read_strict_json(tmp_path / "s" / "sweep.json")["runs"]
    assert [run["settings"]["components"] for run in runs] == [2, 3]
    for run, components in zip(runs, (2, 3), strict=True):
        config = read_strict_json(Path(run["directory"]) / "config.json")
        assert config["agent_settings"]["components"] == components
        weights = torch.load(Path(run["directory"]) / "model.pt", weights_only=True)
        assert weights["network.4.bias"].shape == (3 * components,)  # a weight, mean and spread each


@pytest.mark.slow
def test_a_sweep_along_the_algorithm_writes_its_results(tmp_path):
    # The regressor on TwoBales has a theory along numbers; along names there is none to draw.
    flags = ["--agents", "regression", "--seeds", "1", "--vary", "algo=reinforce,bc", "--jobs", "1"]
    assert main(["sweep", *flags, *TINY, "--logdir", str(tmp_path / "s")]) == 0
    results = read_strict_json(tmp_path / "s" / "sweep.json")
    assert [run["settings"]["algo"] for run in results["runs"]] == ["reinforce", "bc"]
    assert (tmp_path / "s" / "phase.png").is_file()


def test_the_progress_bar_shows_the_steps_of_the_runs_in_flight(tmp_path):
    cells = [Cell(Config(logdir=str(tmp_path), run_name=f"r{n}", total_timesteps=1000), {}) for n in range(3)]
    cells[0].directory.mkdir()
    write_json(cells[0].directory / "manifest.json", {"status": "running", "step": 250})
    cells[1].directory.mkdir()
    write_json(cells[1].directory / "manifest.json", {"status": "running"})  # started, no step yet
    # cells[2] is queued: no directory, not counted
    assert steps_in_flight(cells) == "2 in flight: 0k of 2k steps"
    write_json(cells[1].directory / "manifest.json", {"status": "running", "step": 1500})
    assert steps_in_flight(cells) == "2 in flight: 2k of 2k steps"
    assert steps_in_flight(cells[2:]) == ""


GARBAGE_COLLECTION = (  # in a worker: whether it collects, what it froze, the full collections so far
    "(lambda gc: (gc.isenabled(), gc.get_freeze_count(), gc.get_stats()[2]['collections']))(__import__('gc'))"
)


@pytest.mark.slow
def test_local_workers_start_with_what_every_run_imports_and_are_known_by_pid():
    """A worker starts with `PRELOAD` imported by its server, which made no full garbage collection
    as it imported; the worker collects garbage, but never what it inherited (frozen)."""
    backend = LocalBackend(1, ())
    try:  # nothing of a run has happened in the worker yet
        missing = backend.pool.submit(eval, f"[m for m in {PRELOAD!r} if m not in __import__('sys').modules]")
        assert missing.result(timeout=120) == []
        collects, frozen, full_collections = backend.pool.submit(eval, GARBAGE_COLLECTION).result(timeout=60)
        assert collects and frozen > 100_000 and full_collections == 0  # torch's import alone makes 4
        worker = backend.pool.submit(os.getpid).result(timeout=60)
        assert backend.worker_pids() == [worker]  # whom `stop` signals
    finally:
        backend.close()


BESIDE_WORKERS = """
import gc, sys, threading
from rlnoise.results import DRAWING, import_beside_workers
full_collections = gc.get_stats()[2]["collections"]
import_beside_workers()
for thread in threading.enumerate():
    if thread is not threading.current_thread():
        thread.join()
imported = all(module in sys.modules for module in (*DRAWING, "scipy.stats"))
print(imported, gc.get_freeze_count(), gc.get_stats()[2]["collections"] - full_collections, gc.isenabled())
"""


def test_a_grid_imports_what_its_results_need_beside_the_workers_then_freezes_its_objects():
    """In a thread, so the imports overlap the workers' start, and without garbage collection; then
    every object the command holds is frozen, so that no collection while the results are written
    walks them, and collection is on again."""
    command = [sys.executable, "-c", BESIDE_WORKERS]
    output = subprocess.run(command, capture_output=True, text=True, timeout=90).stdout.split()
    imported, frozen, full_collections, collects = output
    assert imported == "True" and int(frozen) > 50_000  # matplotlib's and scipy's objects are 100,000
    assert full_collections == "0" and collects == "True"


@pytest.mark.parametrize("backend, order", [("local", ["server", "check"]), ("ray", ["check"])])
def test_a_local_grid_starts_its_workers_server_before_it_checks_the_grid(monkeypatch, backend, order):
    """The server's imports (torch and what every run needs) overlap the grid's checks, which
    import torch too: on two cores they cost one import's time, not two. The checks collect no
    garbage (`rlnoise.startup`), and a grid they refuse leaves collection on."""
    import argparse

    from rlnoise.commands import sweep as command
    from rlnoise.errors import UsageError

    happened, collecting = [], []
    monkeypatch.setattr("rlnoise.grid.backends.start_server", lambda: happened.append("server"))

    def checked_grid(args: argparse.Namespace, axes: list[Axis]) -> Grid:
        happened.append("check")
        collecting.append(gc.isenabled())
        raise UsageError("a mistake in the grid")

    monkeypatch.setattr(command, "checked_grid", checked_grid)
    with pytest.raises(UsageError):
        command.run_grid(argparse.Namespace(backend=backend), [], "compare")
    assert happened == order
    assert collecting == [False] and gc.isenabled()  # the checks import torch without collections


def test_cells_are_named_by_agent_varied_values_and_seed(tmp_path):
    axes = [parse_axis("sigma=0.5,1"), Axis("env.layout", ("a/b:c",))]  # a value made a file name
    cells = Grid(Config(), ["regression", "categorical"], [3], axes).cells(tmp_path)
    assert [cell.directory for cell in cells] == [
        tmp_path / "regression__sigma=0.5__env.layout=a_b_c__seed3",
        tmp_path / "regression__sigma=1.0__env.layout=a_b_c__seed3",
        tmp_path / "categorical__sigma=0.5__env.layout=a_b_c__seed3",
        tmp_path / "categorical__sigma=1.0__env.layout=a_b_c__seed3",
    ]
    assert cells[1].point == {"sigma": 1.0, "env.layout": "a/b:c"} and cells[1].config.sigma == 1.0
    assert cells[1].config.env_kwargs == {"layout": "a/b:c"}
    assert [cell.directory.name for cell in Grid(Config(), ["regression"], [1, 2]).cells(tmp_path)] == [
        "regression__seed1",
        "regression__seed2",
    ]


def test_a_cell_record_ends_once_and_keeps_the_json_form_of_the_grids_file(tmp_path):
    cell = Grid(Config(), ["regression"], [1], [parse_axis("sigma=0.5")]).cells(tmp_path)[0]
    record = CellRecord.of(cell)
    assert record.as_json() == {
        "agent": "regression", "seed": 1, "settings": {"sigma": 0.5},
        "directory": str(cell.directory), "status": "not started",
    }  # fmt: skip
    figures = {"outcome": "covering", "return": -1.5}
    result = {
        "interrupted": False,
        "global_step": 64,
        "seconds": 2.26,
        "parameters": 99,
        "reached": {"escape": 32},
    }
    result |= {"sampled": figures, "deterministic": {}}
    finished = record.ended(result, None).as_json()
    assert list(finished) == [
        *record.as_json(),
        "global_step",
        "seconds",
        "sampled",
        "deterministic",
        "figures",
    ]
    assert finished["status"] == "finished" and finished["seconds"] == 2.3 and finished["sampled"] == figures
    assert finished["figures"] == {
        "parameters": 99,
        "escape_step": 32,
    }  # the run's own, by rlnoise.grid.summaries
    assert record.ended({**result, "interrupted": True}, None).status == "interrupted"
    assert record.ended(None, KeyboardInterrupt()).as_json() == {**record.as_json(), "status": "interrupted"}
    failed = record.ended(None, ValueError("no room")).as_json()
    assert failed == {**record.as_json(), "status": "failed", "error": "ValueError: no room"}
    assert record.ended(None, None) == record and record.status == "not started"  # never started; unchanged
    nothing_varied = CellRecord.of(Grid(Config(), ["regression"], [1]).cells(tmp_path)[0])
    assert "settings" not in nothing_varied.as_json()


class InterruptedBackend:
    """A backend whose runs all end interrupted (a Ctrl-C that reached them), after checking that the
    grid's JSON file was written before the first run was submitted."""

    description = "no jobs"

    def __init__(self, logdir):
        self.logdir = logdir

    def submit(self, cell, resume):
        assert (self.logdir / "results.json").is_file(), "a run started before the grid was on disk"
        return cell.config.run_name

    def wait(self, handles, timeout=None):
        return list(handles)

    def finish(self, handle, cell):
        return {"interrupted": True, "global_step": 0, "sampled": {}, "deterministic": {}}, None

    def close(self):
        pass


def test_the_grid_is_on_disk_before_a_run_starts_and_the_bar_counts_finished_runs_only(tmp_path, capsys):
    from rlnoise.grid.scheduler import status_line, train_grid
    from rlnoise.results import write_started

    grid = Grid(Config(total_timesteps=64), ["categorical"], [1, 2])
    records, _ = train_grid(
        grid.cells(tmp_path),
        InterruptedBackend(tmp_path),
        None,
        lambda records: write_started(tmp_path, grid, records),
    )
    bar = capsys.readouterr().err.split("\r")[-1]  # the progress bar as it was left
    assert status_line(records, True).startswith("0 of 2 runs finished")
    assert "0/2" in bar, bar  # the same count as the summary's, not the runs that ended
    assert read_strict_json(tmp_path / "results.json")["runs"][0]["status"] == "interrupted"


@pytest.mark.slow
def test_a_grid_killed_with_sigkill_after_a_checkpoint_resumes_from_its_run_directories(tmp_path, capsys):
    logdir = tmp_path / "killed"
    flags = ["--agents", "categorical", "--seeds", "1", "--jobs", "1", "--total-timesteps", str(40 * 256)]
    flags += ["--num-envs", "256", "--eval-every", "5", "--eval-contexts", "4", "--eval-samples", "8"]
    command = [sys.executable, "-m", "rlnoise.cli", "compare", *flags, "--logdir", str(logdir)]
    temporary = tempfile.mkdtemp()  # what multiprocessing leaves there when killed; short, for its socket
    process = subprocess.Popen(
        command, stderr=subprocess.DEVNULL, start_new_session=True, env={**os.environ, "TMPDIR": temporary}
    )
    try:
        deadline = time.monotonic() + 240
        while not list(logdir.glob("*/checkpoint.pt")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the grid and its worker, with no chance to write
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        shutil.rmtree(temporary)
    assert main(["compare", *flags, "--logdir", str(logdir), "--resume"]) == 0
    hint = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("TensorBoard: "))
    tensorboard, *words = hint.removeprefix("TensorBoard: ").split()  # the venv's own, on this grid
    assert Path(tensorboard).absolute() == Path(sys.executable).parent / "tensorboard"
    assert words == ["--logdir", str(logdir)]
    results = read_strict_json(logdir / "results.json")
    assert results["complete"] and [run["status"] for run in results["runs"]] == ["finished"]
    manifest = read_strict_json(Path(results["runs"][0]["directory"]) / "manifest.json")
    assert manifest["status"] == "complete" and len(manifest["resumed"]) == 1  # from its checkpoint


@pytest.mark.slow
def test_refine_adds_midpoints_where_a_share_crosses_one_half_and_resume_finds_them_again(tmp_path, capsys):
    logdir = tmp_path / "refined"
    flags = ["--agents", "regression", "--seeds", "1-2", "--vary", "sigma=0.3,0.9", "--refine", "2"]
    assert main(["sweep", *flags, *SHORT, *FIXED_SCENE, "--logdir", str(logdir)]) == 0
    results = read_strict_json(logdir / "sweep.json")
    sigmas = [point["settings"]["sigma"] for point in results["points"]]
    assert sigmas[0] == 0.3 and 0.6 in sigmas and sigmas[-1] == 0.9 and len(sigmas) >= 4  # two rounds
    assert sigmas == sorted(sigmas) and len(results["runs"]) == 2 * len(sigmas)
    assert all(run["status"] == "finished" for run in results["runs"])
    averaged = next(item for item in results["transitions"] if item["outcome"] == "averaged")
    below = max(sigma for sigma in sigmas if sigma <= averaged["measured"])
    above = min(sigma for sigma in sigmas if sigma >= averaged["measured"])
    assert above - below <= 0.15 + 1e-9  # located between neighbours a quarter of the first gap apart
    assert "--refine 2" in results["command"]
    trained = {
        path.name: (path / "evaluation.json").stat().st_mtime_ns for path in logdir.glob("regression__*")
    }
    capsys.readouterr()
    assert main(["sweep", *flags, *SHORT, *FIXED_SCENE, "--logdir", str(logdir), "--resume"]) == 0
    assert read_strict_json(logdir / "sweep.json")["points"] == results["points"]
    assert {
        path.name: (path / "evaluation.json").stat().st_mtime_ns for path in logdir.glob("regression__*")
    } == trained


def test_refine_needs_numbers_along_the_first_setting(tmp_path, capsys):
    flags = ["--agents", "categorical", "--vary", "algo=reinforce,ppo", "--refine", "1"]
    assert main(["sweep", *flags, "--logdir", str(tmp_path / "never")]) == 2
    assert (
        "--refine needs numbers to bisect along the first --vary, not reinforce,ppo"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as exited:
        main(["sweep", "--vary", "sigma=0.1,0.2", "--refine", "-1"])
    assert (
        exited.value.code == 2 and "argument --refine: must be 0 or more, got -1" in capsys.readouterr().err
    )
