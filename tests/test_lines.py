"""Theory lines: an env's declared figures measured over a sweep beside theory (rlnoise.lines)."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import pytest

import rlnoise.envs  # noqa: F401  (registers the built-in environments)
from rlnoise.checks.declarations import check_declarations
from rlnoise.config import Config
from rlnoise.contract import ContractError, Line
from rlnoise.envs.memorize import cover_share
from rlnoise.envs.trap import TrapEnv, implied_momentum, inverse_gradient_noise, kramers_slope, noise_scale
from rlnoise.grid.spec import Grid, parse_axis
from rlnoise.grid.summaries import run_figures
from rlnoise.lines import analyse_lines, estimate, with_intervals


def record(agent: str, seed: int, settings: dict, figures: dict, deterministic: dict | None = None) -> dict:
    """A finished run's record as the grid's JSON file holds it."""
    plays = {play: {"env_figures": dict(deterministic or {})} for play in ("sampled", "deterministic")}
    return {"agent": agent, "seed": seed, "settings": settings, "status": "finished", "global_step": 1000,
            "figures": figures, **plays}  # fmt: skip


def test_a_proportional_fit_reads_the_slope_below_the_ceiling_with_an_interval_around_it():
    grid = Grid(
        Config(env_id="Memorize-v0", env_kwargs={"keys": 64, "answers": 4}, algo="bc"),
        ["categorical"],
        [1, 2, 3],
        [parse_axis("hidden=2,4,8,64")],
    )
    params = {2: 60, 4: 110, 8: 220, 64: 5000}
    records = [
        record(
            "categorical",
            seed,
            {"hidden": hidden},
            {"parameters": p, "bits_stored": min(128.0, 0.5 * p + seed), "converged": seed != 3},
        )
        for hidden, p in params.items()
        for seed in (1, 2, 3)
    ]
    line = next(line for line in analyse_lines(grid, records) if line["axis"].startswith("policy parameters"))
    (series,) = line["series"]
    assert [point["x"] for point in series["points"]] == [60, 110, 220, 5000]
    assert series["points"][-1]["predicted"] == 128.0  # the ceiling N log2 K
    assert series["points"][0]["converged"] == "2/3"  # seed 3 has not: marked, not hidden
    fit = series["fit"]
    assert fit["places"] == 2  # 220 and 5000 parameters sit at or near the ceiling: left out
    assert fit["interval"][0] <= fit["value"] <= fit["interval"][1]
    assert 0.5 < fit["value"] < 0.55  # 0.5 per parameter, plus the seeds' offsets
    assert line["anchors"][0][1] == 2.0


def test_a_share_line_pools_its_pooled_setting_and_reports_its_crossing_beside_theory():
    base = Config(env_id="Memorize-v0", env_kwargs={"answers": 2, "key_dim": 4}, algo="bc", layers=0)
    grid = Grid(
        base, ["categorical"], [1], [parse_axis("env.keys=4,8,12,16"), parse_axis("env.table_seed=1,2")]
    )
    stored = {4: (1, 1), 8: (1, 1), 12: (0, 0), 16: (0, 0)}
    records = [
        record(
            "categorical",
            1,
            {"env.keys": keys, "env.table_seed": table},
            {"parameters": 10, "table_stored": value},
        )
        for keys, values in stored.items()
        for table, value in zip((1, 2), values, strict=True)
    ]
    line = next(line for line in analyse_lines(grid, records) if line["figure"] == "table_stored")
    (series,) = line["series"]  # one series: the table seeds pooled
    assert [point["runs"] for point in series["points"]] == [2, 2, 2, 2]
    assert [point["x"] for point in series["points"]] == [1.0, 2.0, 3.0, 4.0]
    assert series["crossing"]["measured"] == pytest.approx(2.5)
    assert series["points"][1]["predicted"] == pytest.approx(cover_share(8, 5))
    assert 2.0 < series["crossing"]["predicted"] < 3.0  # Cover: one half at N = 2 (key_dim + 1) = 10


def test_cover_s_count_is_one_half_at_twice_the_weights_and_one_up_to_the_weights():
    assert cover_share(20, 10) == 0.5
    assert cover_share(10, 10) == 1.0
    assert cover_share(40, 10) < 0.01


def test_a_time_to_an_event_is_the_steps_watched_over_the_events_seen():
    assert estimate([(100.0, 1000.0), (None, 1000.0)], event=True) == 1100.0
    assert estimate([(None, 1000.0)], event=True) == math.inf
    one_in_three = with_intervals(
        lambda places: estimate(places[0], True), [[(100.0, 1000.0), (None, 1000.0)] * 2]
    )
    assert (
        one_in_three["value"] == 1100.0 and one_in_three["interval"][1] == math.inf
    )  # a resample may see none
    assert estimate([(1.0, 0.0), (3.0, 0.0), (None, 0.0)], event=False) == 2.0


def test_trap_s_lines_give_the_noise_scale_kramers_axis_and_momentum_and_predict_escape_in_the_window():
    env = TrapEnv()
    settings = {"learning_rate": 0.01, "num_envs": 100, "num_steps": None, "grad_noise": 0.5, "momentum": 0.3}
    assert noise_scale(env, settings) == pytest.approx(1e-4)
    assert inverse_gradient_noise(env, settings) == 2.0
    assert inverse_gradient_noise(env, {**settings, "grad_noise": 0.0}) == math.inf
    assert implied_momentum(env, {**settings, "async_workers": 4}) == 0.75
    assert implied_momentum(env, settings) == 0.3
    assert env.landscape.barrier_under(0.0) == pytest.approx(0.348, abs=1e-3)  # the docstring's barrier
    assert env.landscape.barrier_under(0.5) == pytest.approx(0.191, abs=1e-3)  # smoothing lowers it
    sgd = {"optimizer": "sgd", "sigma": 0.5, "learning_rate": 0.03}
    assert kramers_slope(env, sgd) == pytest.approx(2 * 0.191 / 0.03, rel=1e-2)  # T = lr eta / 2
    assert kramers_slope(env, {**sgd, "optimizer": "adam"}) is None
    predict = TrapEnv.lines[0].predict
    assert predict(env, {"agent": "regression", "sigma": 1.1}) == 1.0  # inside (1.048, 1.286)
    assert predict(env, {"agent": "regression", "sigma": 0.5}) == 0.0
    assert predict(env, {"agent": "gaussian", "sigma": 1.1}) is None


def test_an_escape_time_is_kept_from_the_run_s_results_and_drawn_against_one_over_eta():
    assert run_figures({"parameters": 5, "reached": {"escape": 2560}, "global_step": 9}) == {
        "parameters": 5,
        "escape_step": 2560,
    }
    grid = Grid(Config(env_id="Trap-v0", sigma=0.5), ["regression"], [1, 2], [parse_axis("grad_noise=0,1,2")])
    records = [
        record("regression", seed, {"grad_noise": eta}, {"escape_step": step})
        for eta, steps in {0.0: (None, None), 1.0: (500, None), 2.0: (200, 400)}.items()
        for seed, step in zip((1, 2), steps, strict=True)
    ]
    line = next(line for line in analyse_lines(grid, records) if line["figure"] == "escape_step")
    (series,) = line["series"]
    assert [point["x"] for point in series["points"]] == [0.5, 1.0]  # eta 0: off the axis (1 / 0)
    assert [point["measured"] for point in series["points"]] == [300.0, 1500.0]
    assert series["fit"]["kind"] == "exponential"
    assert series["fit"]["value"] == pytest.approx(2 * math.log(5))


def test_a_line_spread_at_one_place_is_not_drawn():
    grid = Grid(Config(env_id="Trap-v0"), ["regression"], [1], [parse_axis("sigma=0.5,1.1")])
    records = [record("regression", 1, {"sigma": s}, {}, {"escape": float(s > 1)}) for s in (0.5, 1.1)]
    drawn = analyse_lines(grid, records)
    assert [line["statement"] for line in drawn] == [
        TrapEnv.lines[0].statement
    ]  # not lr / B, 1 / eta, momentum
    assert [point["measured"] for point in drawn[0]["series"][0]["points"]] == [0.0, 1.0]
    json.dumps(drawn)  # sweep.json holds it


def test_a_line_with_an_unknown_fit_breaks_the_declarations_rule(monkeypatch):
    line = Line("escape", "a line", fit="cubic")
    monkeypatch.setattr(TrapEnv, "lines", (line,))
    with pytest.raises(ContractError, match="fit 'cubic'"):
        check_declarations("Trap-v0", {})


def test_the_built_in_envs_declare_their_lines_in_check_env_s_words():
    assert "line of escape_step: Kramers" in check_declarations("Trap-v0", {})
    assert "line of table_stored" in check_declarations("Memorize-v0", {})
    assert isinstance(gym.make("Trap-v0").unwrapped.lines[0], Line)


@pytest.mark.slow
def test_a_resumed_trap_run_reports_the_escape_step_of_the_uninterrupted_run(tmp_path):
    from rlnoise.train import resume, train

    settings = dict(env_id="Trap-v0", agent="regression", sigma=1.1, total_timesteps=60 * 256, num_envs=256,
                    eval_every=4, eval_contexts=4, eval_samples=4, logdir=str(tmp_path), seed=1)  # fmt: skip
    whole = train(Config(**settings, run_name="whole"), progress=False)
    escaped = whole["reached"]["escape"]
    assert escaped is not None and escaped < 50 * 256  # the window's noise carries it over early
    calls = iter(range(10**6))
    cut_at = escaped // 256 + 6  # after the checkpoint of the evaluation that saw the escape
    stopped = train(
        Config(**settings, run_name="cut"),
        progress=False,
        stop=lambda: "SIGINT" if next(calls) == cut_at else None,
    )
    assert stopped["interrupted"]
    assert resume(tmp_path / "cut", progress=False)["reached"] == {"escape": escaped}


@pytest.mark.slow
def test_a_trap_sweep_draws_its_lines_with_the_escape_measured_beside_theory(tmp_path):
    from rlnoise.cli import main

    logdir = tmp_path / "sweep"
    flags = ["--agents", "regression", "--seeds", "1", "--total-timesteps", "15360", "--num-envs", "256"]
    assert (
        main(["sweep", "--env-id", "Trap-v0", *flags, "--vary", "sigma=0.02,1.1", "--logdir", str(logdir)])
        == 0
    )
    results = json.loads((logdir / "sweep.json").read_text())
    # only the lines along sigma (escape and escape time): lr / B, 1 / eta and the momentum sit at one place
    escape, time = results["lines"]
    assert [escape["figure"], time["figure"]] == ["escape", "escape_step"]
    points = escape["series"][0]["points"]
    assert [(point["measured"], point["predicted"]) for point in points] == [(0.0, 0.0), (1.0, 1.0)]
    steps = {run["settings"]["sigma"]: run["figures"]["escape_step"] for run in results["runs"]}
    assert steps[0.02] is None and 0 < steps[1.1] <= 15360
    # never escaped: an infinite wait, which JSON writes as null
    assert [point["measured"] for point in time["series"][0]["points"]] == [None, steps[1.1]]
    assert "## Line: escape (deterministic)" in (logdir / "sweep.md").read_text()
    assert (logdir / "lines.png").stat().st_size > 10_000


def test_unit_spread_is_zero_for_alike_units_and_measures_how_far_one_has_come_apart():
    import torch
    from torch import nn

    from rlnoise.noise import symmetric_init, unit_spread

    torch.manual_seed(0)
    network = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    layers = [module for module in network if isinstance(module, nn.Linear)]
    symmetric_init(layers)
    assert unit_spread(network) == 0.0
    weights, bias = layers[1].weight[0].detach().clone(), layers[1].bias[0].detach().clone()
    with torch.no_grad():
        layers[1].weight[0] *= 1.5  # one unit of four, its weights 50% larger: 0.375 w from the mean 1.125 w
    mean = torch.cat([1.125 * weights, bias[None]])
    assert unit_spread(network) == pytest.approx(float(0.375 * weights.norm() / mean.norm()), rel=1e-5)
    assert unit_spread(nn.Sequential(nn.Linear(2, 1))) == 0.0  # no hidden layer


@pytest.mark.slow
def test_with_symmetric_init_only_noise_in_the_gradient_parts_the_units(tmp_path):
    from rlnoise.train import train

    settings = dict(env_id="Trap-v0", agent="regression", init="symmetric", total_timesteps=20 * 256,
                    num_envs=256, eval_every=10, eval_contexts=4, eval_samples=4, logdir=str(tmp_path),
                    seed=1)  # fmt: skip
    plain = train(Config(**settings, run_name="plain"), progress=False)
    dropout = train(Config(**settings, run_name="dropout", dropout=0.1), progress=False)
    assert plain["unit_spread"] < 1e-5 < 1e-2 < dropout["unit_spread"]
    assert "unit_spread" not in train(Config(**{**settings, "init": "default"}, run_name="d"), progress=False)


@pytest.mark.slow
def test_a_size_sweep_prints_its_bits_per_parameter_with_an_interval(tmp_path, capsys):
    from rlnoise.cli import main

    logdir = tmp_path / "sizes"
    flags = ["--env-id", "Memorize-v0", "--algo", "bc", "--agents", "categorical", "--seeds", "1-2",
             "--env-kwargs", '{"keys": 256, "answers": 4}', "--total-timesteps", "20480",
             "--num-envs", "256"]  # fmt: skip
    assert main(["sweep", *flags, "--vary", "hidden=2,4", "--logdir", str(logdir)]) == 0
    printed = capsys.readouterr().out
    fit = next(
        line for line in printed.splitlines() if line.startswith("bits_stored against policy parameters")
    )
    results = json.loads((logdir / "sweep.json").read_text())
    (line,) = [line for line in results["lines"] if line["axis"].startswith("policy parameters")]
    (series,) = line["series"]
    ratios = [point["measured"] / point["x"] for point in series["points"]]
    low, high = series["fit"]["interval"]
    assert f"b = {series['fit']['value']:.3f} [{low:.3f}, {high:.3f}]" in fit
    assert min(ratios) <= series["fit"]["value"] <= max(ratios) and low <= series["fit"]["value"] <= high
    assert (logdir / "lines.png").is_file()


@pytest.mark.slow
def test_a_sweep_that_draws_its_lines_leaves_no_semaphore_behind(tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "rlnoise.cli", "sweep", "--env-id", "Trap-v0", "--agents", "regression",
               "--vary", "sigma=0.5,1.1", "--seeds", "1", "--total-timesteps", "2560", "--num-envs", "64",
               "--logdir", str(tmp_path / "sweep")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "sweep" / "lines.png").is_file()
    assert "leaked semaphore" not in done.stderr  # the pool's Event and queue released when it closes
