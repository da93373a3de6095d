"""`--async-workers W`: Hogwild-style asynchronous SGD (rlnoise/hogwild.py): W processes learn one
set of shared weights, record the staleness they saw, stop on SIGTERM without leaving a process
behind, and refuse what cannot work in one line."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_strict_json, refused
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise.config import Config
from rlnoise.errors import RunError
from rlnoise.hogwild import HogwildRun
from rlnoise.manifest import read_manifest
from rlnoise.train import train

CORES = os.cpu_count() or 1
SMALL_EVALUATION = {"eval_contexts": 8, "eval_samples": 16}
UNTRAINED_RETURN = 0.14
"""The sampled return on TwoBales-v0 after one update (seed 1): the bar a trained policy clears."""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--async-workers", "0"], "--async-workers: must be > 0, got 0"),
        (["train", "--async-workers", str(CORES + 1)], f"is more than this machine's {CORES} cores"),
        (
            ["train", "--async-workers", "2", "--grad-delay", "4"],
            "--async-workers 2 and --grad-delay 4 are two sources of staleness, a real and a simulated one",
        ),
        (
            ["train", "--async-workers", "2", "--num-steps", "300000000"],
            "training batches (--num-envs x --num-steps = 307200000000, in each of 2 workers)",
        ),
        (
            ["sweep", "--backend", "ray", "--async-workers", "2", "--vary", "learning_rate=0.001,0.003"],
            "--async-workers 2 forks workers that a Ray task's CPUs do not count: use --backend local",
        ),
        (
            ["sweep", "--backend", "ray", "--vary", "async_workers=1,2"],
            "--async-workers 2 forks workers that a Ray task's CPUs do not count",
        ),
        (
            ["sweep", "--jobs", "2", "--seeds", "1,2", "--vary", f"async_workers=1,{CORES}"],
            f"2 jobs of --async-workers {CORES} are {2 * CORES} processes on this machine's {CORES} cores",
        ),
    ],
)
def test_bad_asynchronous_settings_are_one_line(tmp_path, capsys, args, message):
    code, lines = refused([*args, "--logdir", str(tmp_path / "runs")], capsys)
    assert code == 2 and len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
@pytest.mark.parametrize(("algo", "steps"), [("reinforce", 40 * 1024), ("ppo", 20 * 1024)])
def test_two_workers_learn_two_bales_and_record_their_staleness(tmp_path, algo, steps):
    config = Config(
        algo=algo,
        async_workers=2,
        total_timesteps=steps,
        eval_every=8,
        logdir=str(tmp_path),
        **SMALL_EVALUATION,
    )
    result = train(config, progress=False)
    assert result["global_step"] == steps  # the two together take the run's steps
    assert result["sampled"]["return"] > UNTRAINED_RETURN + 0.06, result["sampled"]
    assert result["async_workers"] == 2 and result["mean_staleness"] > 0
    directory = Path(result["directory"])
    assert read_strict_json(directory / "evaluation.json")["mean_staleness"] == result["mean_staleness"]
    manifest = read_manifest(directory)
    assert manifest["status"] == "complete" and manifest["reproducible"] is False
    assert manifest["checkpoint_step"] > 0  # worker 0 evaluated at the shared counter's marks
    events = EventAccumulator(str(directory)).Reload()
    assert any(event.value > 0 for event in events.Scalars("charts/staleness"))


def children(pid: int) -> set[int]:
    """The pids of the processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rlnoise_process(*args: str, cwd: Path) -> subprocess.Popen:
    """`rlnoise ARGS` in a new process."""
    command = [sys.executable, "-c", "import sys; from rlnoise.cli import main; sys.exit(main())", *args]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def started_async_run(tmp_path: Path, steps: int) -> tuple[subprocess.Popen, set[int]]:
    """A W=2 run `t` started in its own process, once it has written a checkpoint; its worker's pids."""
    settings = ["--async-workers", "2", "--total-timesteps", str(steps), "--eval-every", "10"]
    evaluation = ["--eval-contexts", "8", "--eval-samples", "16"]
    process = rlnoise_process(
        "train", *settings, *evaluation, "--logdir", str(tmp_path), "--run-name", "t", cwd=tmp_path
    )
    deadline = time.monotonic() + 120
    while not (tmp_path / "t" / "checkpoint.pt").exists():
        assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    workers = children(process.pid)
    assert len(workers) == 1
    return process, workers


@pytest.mark.slow
def test_sigterm_stops_every_worker_saves_and_resume_finishes(tmp_path):
    steps = 300 * 1024
    process, workers = started_async_run(tmp_path, steps)
    process.send_signal(signal.SIGTERM)  # the main process only, as a job scheduler does
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    manifest = read_manifest(tmp_path / "t")
    assert manifest["status"] == "interrupted" and manifest["stopped_by"] == "SIGTERM"
    assert (
        manifest["checkpoint_step"] > 0
        and read_strict_json(tmp_path / "t" / "evaluation.json")["interrupted"]
    )
    assert not any(alive(pid) for pid in workers)

    resumed = rlnoise_process("train", "--resume", str(tmp_path / "t"), cwd=tmp_path)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    evaluation = read_strict_json(tmp_path / "t" / "evaluation.json")
    assert evaluation["global_step"] == steps and not evaluation["interrupted"]
    assert read_manifest(tmp_path / "t")["status"] == "complete"


@pytest.mark.slow
def test_a_worker_that_dies_fails_the_run_in_one_line(tmp_path):
    process, workers = started_async_run(tmp_path, 10**7)
    os.kill(workers.pop(), signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "asynchronous worker 1 of 2: it died with exit code -9" in stderr and "Traceback" not in stderr
    manifest = read_manifest(tmp_path / "t")
    assert manifest["status"] == "failed" and "worker 1 of 2" in manifest["error"]


def test_a_worker_that_diverges_fails_the_run_with_its_line(tmp_path, monkeypatch):
    guard = HogwildRun.guard

    def diverging_in_worker_1(run, parameters, figures, loss):
        if run.rank == 1:
            run.diverged("loss")
        time.sleep(0.05)  # worker 0 leaves worker 1 updates to claim
        return guard(run, parameters, figures, loss)

    monkeypatch.setattr(HogwildRun, "guard", diverging_in_worker_1)  # inherited by the forked worker
    config = Config(
        async_workers=2,
        total_timesteps=20 * 64,
        num_envs=64,
        logdir=str(tmp_path),
        run_name="r",
        **SMALL_EVALUATION,
    )
    with pytest.raises(
        RunError, match=r"^asynchronous worker 1 of 2: training diverged at update \d+: non-finite loss; "
    ):
        train(config, progress=False)
    manifest = read_manifest(tmp_path / "r")
    assert manifest["status"] == "failed" and manifest["error"].startswith("asynchronous worker 1 of 2")
