"""`rlnoise compare`: a small grid in parallel, its results, bad input, and Ctrl-C."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import read_strict_json
from matplotlib.image import imread
from tensorboard.backend.event_processing import io_wrapper

from rlnoise.cli import main

# A short schedule on which both agents already show their outcome on TwoBales-v0.
SHORT = ["--total-timesteps", "76800", "--num-envs", "256", "--learning-rate", "0.01", "--eval-every", "150"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """A 2 agents x 2 seeds comparison, trained with two jobs."""
    logdir = tmp_path_factory.mktemp("compare") / "twobales"
    code = main(["compare", "--seeds", "1-2", "--jobs", "2", "--logdir", str(logdir), *SHORT])
    return code, logdir


@pytest.mark.slow
def test_compare_trains_the_grid_and_writes_the_results(comparison, capsys):
    code, logdir = comparison
    assert code == 0
    results = read_strict_json(logdir / "results.json")
    assert results["complete"] and [(run["agent"], run["seed"]) for run in results["runs"]] == [
        ("regression", 1),
        ("regression", 2),
        ("categorical", 1),
        ("categorical", 2),
    ]
    summary = results["summary"]
    assert summary["regression"]["deterministic"]["outcomes"] == {"1": "averaged", "2": "averaged"}
    assert summary["categorical"]["sampled"]["outcomes"] == {"1": "covering", "2": "covering"}
    returns = [run["sampled"]["return"] for run in results["runs"] if run["agent"] == "categorical"]
    assert summary["categorical"]["sampled"]["figures"]["return"]["values"] == returns
    spread = summary["categorical"]["sampled"]["figures"]["return"]
    assert abs(spread["mean"] - sum(returns) / 2) < 1e-12 and spread["std"] >= 0
    assert min(returns) <= spread["interval"][0] <= spread["mean"] <= spread["interval"][1] <= max(returns)
    assert results["settings"]["learning_rate"] == 0.01 and results["settings"]["num_envs"] == 256
    assert "--learning-rate 0.01" in results["command"] and "--seeds 1,2" in results["command"]
    for run in results["runs"]:
        assert {"events", "policy.png", "model.pt", "evaluation.json"} <= {
            path.name.split(".out")[0] for path in (logdir / os.path.basename(run["directory"])).iterdir()
        }
    # TensorBoard, pointed at the comparison, finds one run per grid cell and nothing else.
    found = {os.path.relpath(path, logdir) for path in io_wrapper.GetLogdirSubdirectories(str(logdir))}
    assert found == {os.path.basename(run["directory"]) for run in results["runs"]}
    markdown = (logdir / "results.md").read_text()
    assert "| categorical sampled |" in markdown and "covering 2/2" in markdown and "results.png" in markdown
    assert "Figures: mean [95% percentile-bootstrap interval] over seeds" in markdown
    low, high = spread["interval"]
    assert f"| categorical sampled | {spread['mean']:.3f} [{low:.3f}, {high:.3f}] | " in markdown
    picture = imread(logdir / "results.png")
    assert picture.ndim == 3 and picture.shape[0] > 400 and picture.shape[1] > 600


def test_unknown_agent_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    logdir = tmp_path / "never"
    assert main(["compare", "--agents", "regression,categorial", "--logdir", str(logdir)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "did you mean categorical" in error
    assert not logdir.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "5-1"], "--seeds: expected seeds such as 1-5"),
        (["--seeds", "one"], "--seeds: expected seeds such as 1-5"),
        (["--jobs", "0"], "--jobs: must be > 0"),
        (["--agents", ","], "--agents: expected agent names"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["compare", "--logdir", str(tmp_path / "never"), *args])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error, error
    assert not (tmp_path / "never").exists()


def test_a_logdir_with_content_is_never_reused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["compare", "--logdir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert os.listdir(tmp_path) == ["notes.txt"]


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_runs_and_says_the_results_are_partial(tmp_path):
    logdir = tmp_path / "stopped"
    flags = ["--agents", "categorical", "--seeds", "1-3", "--jobs", "1", "--logdir", str(logdir)]
    # Runs long enough (a few seconds each) that the second is still in flight when the test,
    # on a loaded machine, sees the first one's evaluation and presses Ctrl-C.
    command = [sys.executable, "-m", "rlnoise.cli", "compare", *flags, "--total-timesteps", "204800"]
    # Started with Ctrl-C ignored, as a script's `command &` starts it: it still stops on Ctrl-C.
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    finally:
        signal.signal(signal.SIGINT, ignored)
    deadline = time.monotonic() + 240  # a loaded machine
    while not (logdir / "categorical__seed1" / "evaluation.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    results = json.loads((logdir / "results.json").read_text())
    statuses = [run["status"] for run in results["runs"]]
    assert statuses[0] == "finished" and statuses[2] == "not started" and not results["complete"]
    assert statuses[1] in ("interrupted", "not started")  # stopped in flight, or before it began
    assert "partial" in (logdir / "results.md").read_text()
    assert results["summary"]["categorical"]["sampled"]["outcomes"].keys() >= {"1"}


TEARDOWN_MARK = """
import atexit, os
atexit.register(lambda: open(os.environ["TEARDOWN_MARK"], "w").close())
"""
SERVER_FIRST_IMPORTS_THE_MARK = """
import sys
from rlnoise.grid import backends
backends.PRELOAD = ("teardown_mark", *backends.PRELOAD)  # registered before backends' own
if __name__ == "__main__":
    from rlnoise.cli import run
    run(sys.argv[1:])
"""


@pytest.mark.slow
def test_compare_leaves_no_temporary_files_and_its_workers_server_skips_the_teardown(tmp_path):
    """The command's fast exit still runs what is registered at exit (multiprocessing removes its
    temporary directory with the server's socket), and the server, which holds the command's
    output open until it ends, ends without the interpreter's teardown: the mark that a module it
    imports registers to write at exit is never written."""
    script, mark = tmp_path / "compare.py", tmp_path / "teardown"
    script.write_text(SERVER_FIRST_IMPORTS_THE_MARK)
    (tmp_path / "teardown_mark.py").write_text(TEARDOWN_MARK)
    temporary = Path(tempfile.mkdtemp())  # short: the server's socket path must fit AF_UNIX's limit
    flags = ["--agents", "categorical", "--seeds", "1", "--jobs", "1", "--logdir", str(tmp_path / "grid")]
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, str(script), "compare", *flags, "--total-timesteps", "2048", "--num-envs", "64"],
        capture_output=True,  # returns once every process holding the output has ended
        text=True,
        timeout=240,
        env={**os.environ, "TMPDIR": str(temporary), "TEARDOWN_MARK": str(mark), "PYTHONPATH": path},
    )
    left = list(temporary.iterdir())  # no pymp-* directory left behind
    shutil.rmtree(temporary)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "grid" / "results.json").is_file()
    assert left == []
    assert not mark.exists()
