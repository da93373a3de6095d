"""Checkpoints and resume: a run continued from its checkpoint ends as the uninterrupted run does."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import messages, read_strict_json

import rlnoise.evaluator
import rlnoise.runfiles
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.manifest import read_manifest
from rlnoise.train import resume, train

SMALL = {"total_timesteps": 64 * 8, "num_envs": 64, "eval_every": 2, "eval_contexts": 4, "eval_samples": 8}


def figures(result: dict) -> dict:
    """The final figures of both evaluation modes."""
    return {mode: result[mode] for mode in ("sampled", "deterministic")}


NOISE = {"dropout": 0.1, "param_noise": 0.1, "noisy_net": True, "grad_noise": 0.01}
"""Every noise source on (rlnoise/noise.py): their draws and the adapted scale resume exactly too."""


@pytest.mark.parametrize(
    ("algo", "noise"),
    [
        ("reinforce", {}),
        pytest.param("ppo", {}, marks=pytest.mark.slow),  # about 2 s each
        pytest.param("bc", {}, marks=pytest.mark.slow),
        pytest.param("reinforce", NOISE, marks=pytest.mark.slow, id="reinforce-noise"),
    ],
)
def test_a_run_that_crashed_after_its_second_checkpoint_resumes_to_the_same_figures(
    tmp_path, monkeypatch, algo, noise
):
    config = Config(agent="categorical", algo=algo, seed=3, logdir=str(tmp_path), **SMALL, **noise)
    uninterrupted = train(Config(**{**config.__dict__, "run_name": "whole"}), progress=False)
    assert read_manifest(tmp_path / "whole")["status"] == "complete"

    saved = []
    original = rlnoise.runfiles.save_checkpoint

    def crash_after_the_second(*args, **kwargs):
        original(*args, **kwargs)
        saved.append(args[1])
        if len(saved) == 2:
            raise RuntimeError("the machine went down")

    monkeypatch.setattr(rlnoise.runfiles, "save_checkpoint", crash_after_the_second)
    with pytest.raises(RuntimeError):
        train(Config(**{**config.__dict__, "run_name": "crashed"}), progress=False)
    monkeypatch.setattr(rlnoise.runfiles, "save_checkpoint", original)
    manifest = read_manifest(tmp_path / "crashed")
    assert saved == [2, 4] and manifest["status"] == "running"
    assert manifest["checkpoint_step"] == 2 * 64  # it names a checkpoint once that is written

    resumed = resume(tmp_path / "crashed", progress=False)
    assert json.dumps(figures(resumed)) == json.dumps(figures(uninterrupted))  # NaN figures compare equal
    assert resumed["global_step"] == uninterrupted["global_step"]
    assert read_manifest(tmp_path / "crashed")["status"] == "complete"


def test_resume_refuses_a_complete_run_and_other_flags(tmp_path, capsys):
    train(Config(agent="regression", logdir=str(tmp_path), run_name="done", **SMALL), progress=False)
    assert main(["train", "--resume", str(tmp_path / "done")]) == 2
    assert "is complete; nothing to resume" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "done"), "--seed", "2"]) == 2
    assert "drop --seed" in capsys.readouterr().err


def test_the_manifest_records_status_steps_and_provenance(tmp_path):
    train(Config(agent="regression", logdir=str(tmp_path), run_name="r", **SMALL), progress=False)
    manifest = read_strict_json(tmp_path / "r" / "manifest.json")
    assert manifest["status"] == "complete" and manifest["weights_step"] == 8 * 64
    assert manifest["checkpoint_step"] == 6 * 64  # the last checkpoint before the final evaluation
    assert manifest["version"] and isinstance(manifest["command"], list)


def test_a_diverged_run_is_marked_failed_with_its_error(tmp_path, capsys):
    code = main(["train", "--learning-rate", "1e37", "--logdir", str(tmp_path), "--run-name", "x",
                 "--total-timesteps", "4096", "--num-envs", "64"])  # fmt: skip
    assert code == 1
    manifest = read_manifest(tmp_path / "x")
    assert manifest["status"] == "failed" and "diverged" in manifest["error"]


def test_evaluate_says_when_a_run_is_not_complete(tmp_path, capsys):
    train(Config(agent="regression", logdir=str(tmp_path), run_name="r", **SMALL), progress=False)
    manifest = read_strict_json(tmp_path / "r" / "manifest.json")
    (tmp_path / "r" / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    assert main(["evaluate", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a complete run (it is interrupted, weights from step 512)" in err


def rlnoise_process(*args: str, cwd) -> subprocess.Popen:
    """`rlnoise ARGS` in a new process."""
    command = [sys.executable, "-c", "import sys; from rlnoise.cli import main; sys.exit(main())", *args]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_killed_with_sigkill_after_the_second_checkpoint_then_resumed_gives_the_same_figures(tmp_path):
    settings = [
        "--agent",
        "categorical",
        "--seed",
        "5",
        "--total-timesteps",
        str(40 * 256),
        "--num-envs",
        "256",
        "--eval-every",
        "5",
        "--eval-contexts",
        "8",
        "--eval-samples",
        "16",
    ]
    whole = rlnoise_process(
        "train", *settings, "--logdir", str(tmp_path), "--run-name", "whole", cwd=tmp_path
    )
    assert whole.wait(timeout=300) == 0
    process = rlnoise_process(
        "train", *settings, "--logdir", str(tmp_path), "--run-name", "killed", cwd=tmp_path
    )
    deadline = time.monotonic() + 240
    while (read_manifest(tmp_path / "killed") or {}).get("checkpoint_step", 0) < 10 * 256:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert read_manifest(tmp_path / "killed")["status"] == "running"  # what a killed run leaves
    resumed = rlnoise_process("train", "--resume", str(tmp_path / "killed"), cwd=tmp_path)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    expected = read_strict_json(tmp_path / "whole" / "evaluation.json")
    assert read_strict_json(tmp_path / "killed" / "evaluation.json") == expected


@pytest.mark.slow
def test_sigterm_stops_training_saves_and_exits_143(tmp_path):
    settings = ["--total-timesteps", str(10**7), "--logdir", str(tmp_path), "--run-name", "t"]
    process = rlnoise_process("train", *settings, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not (tmp_path / "t" / "checkpoint.pt").exists():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    assert read_manifest(tmp_path / "t")["status"] == "interrupted"
    assert read_strict_json(tmp_path / "t" / "evaluation.json")["interrupted"]


TINY = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]


def test_a_second_signal_during_the_final_evaluation_marks_the_run_interrupted_with_the_hint(
    tmp_path, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # the second Ctrl-C, while the final figures are made

    monkeypatch.setattr(rlnoise.evaluator, "evaluate", interrupted)
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "r", *TINY]) == 130
    lines = messages(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("rlnoise train: interrupted while saving; "), lines
    assert lines[0].endswith(f"train --resume {tmp_path / 'r'} continues it")
    manifest = read_manifest(tmp_path / "r")
    assert manifest["status"] == "interrupted" and manifest["stopped_by"] == "SIGINT"
    assert manifest["weights_step"] == manifest["step"] == 64


def test_one_signal_during_the_final_evaluation_says_the_run_finishes_it(tmp_path, monkeypatch, capsys):
    original = rlnoise.evaluator.evaluate

    def signalled(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C once the last update is done
        return original(*args, **kwargs)

    monkeypatch.setattr(rlnoise.evaluator, "evaluate", signalled)
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "r", *TINY]) == 0
    assert "SIGINT: stopping; the run evaluates and saves what it reached" in capsys.readouterr().err
    assert read_manifest(tmp_path / "r")["status"] == "complete"


def test_resume_keeps_the_original_command_and_records_its_own_and_the_step(tmp_path, monkeypatch):
    flags = ["--logdir", str(tmp_path), "--run-name", "r", "--total-timesteps", "256", "--num-envs", "32"]
    flags += ["--eval-every", "2", "--eval-contexts", "2", "--eval-samples", "2"]
    monkeypatch.setattr(sys, "argv", ["rlnoise", "train", *flags])
    original = rlnoise.runfiles.save_checkpoint

    def crash(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the machine went down")

    monkeypatch.setattr(rlnoise.runfiles, "save_checkpoint", crash)
    with pytest.raises(RuntimeError):
        main(["train", *flags])
    monkeypatch.setattr(rlnoise.runfiles, "save_checkpoint", original)
    monkeypatch.setattr(sys, "argv", ["rlnoise", "train", "--resume", str(tmp_path / "r")])
    assert main(["train", "--resume", str(tmp_path / "r")]) == 0
    manifest = read_manifest(tmp_path / "r")
    assert manifest["command"] == ["rlnoise", "train", *flags]
    assert [made["command"] for made in manifest["resumed"]] == [sys.argv]
    assert manifest["status"] == "complete" and manifest["step"] == manifest["weights_step"] == 256


def test_the_commit_says_dirty_when_rlnoise_s_source_was_modified(tmp_path):
    from rlnoise.manifest import source_commit

    def git(*words):
        subprocess.run(["git", "-C", str(tmp_path), *words], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "code")
    commit = source_commit(tmp_path)
    assert len(commit) == 40
    (tmp_path / "code.py").write_text("x = 2\n")
    assert source_commit(tmp_path) == f"{commit}-dirty"
    assert source_commit(tmp_path / "missing") is None
