"""Files written whole or not at all, and strict JSON (non-finite floats as null) everywhere."""

import errno
import fcntl
import json
import math
import os
import time
from pathlib import Path

import pytest
import torch
from conftest import messages, read_strict_json

import rlnoise.evaluator
import rlnoise.runfiles
from rlnoise import files
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.errors import RunError, UsageError
from rlnoise.files import write_json
from rlnoise.train import train


def test_write_json_writes_non_finite_floats_as_null(tmp_path):
    path = tmp_path / "figures.json"
    write_json(path, {"nan": math.nan, "values": [math.inf, 1.5, (-math.inf,)], "nested": {"ok": 2}})
    assert read_strict_json(path) == {"nan": None, "values": [None, 1.5, [None]], "nested": {"ok": 2}}
    assert [item.name for item in tmp_path.iterdir()] == ["figures.json"]


def test_the_strict_reader_refuses_bare_nan(tmp_path):
    (tmp_path / "old.json").write_text('{"majority_share": NaN}')
    with pytest.raises(ValueError, match="not strict JSON"):
        read_strict_json(tmp_path / "old.json")


def test_every_json_of_a_run_and_its_evaluation_is_strict(tmp_path):
    # Seed 1 of this tiny regression run reaches no good answer in one mode: majority_share is nan.
    config = Config(agent="regression", seed=1, total_timesteps=64, num_envs=32, eval_contexts=2,
                    eval_samples=2, logdir=str(tmp_path), run_name="r")  # fmt: skip
    result = train(config, progress=False)
    assert any(math.isnan(result[mode]["majority_share"]) for mode in ("sampled", "deterministic"))
    out = tmp_path / "again.json"
    assert main(["evaluate", str(tmp_path / "r"), "--json", str(out)]) == 0
    assert read_strict_json(tmp_path / "r" / "config.json")["seed"] == 1
    for path in (tmp_path / "r" / "evaluation.json", out):
        figures = read_strict_json(path)
        assert None in [figures[mode]["majority_share"] for mode in ("sampled", "deterministic")]


class HalfWritten:
    """A file on a disk that fills up halfway through the first write."""

    def __init__(self, file):
        self.file = file

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.file.close()

    def write(self, data):
        self.file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def full_disk_for(monkeypatch):
    """Make the disk fill up while rlnoise writes a file of the given name."""

    def fill(name):
        def opener(path, mode):
            file = open(path, mode)  # noqa: SIM115  closed by HalfWritten or the caller
            return HalfWritten(file) if Path(path).name.startswith(f".{name}.") else file

        monkeypatch.setattr(files, "open", opener, raising=False)

    return fill


def test_a_failed_write_names_the_file_and_keeps_the_previous_one(tmp_path, full_disk_for):
    path = tmp_path / "model.pt"
    path.write_bytes(b"good weights")
    full_disk_for("model.pt")
    with pytest.raises(RunError, match=f"cannot write {path}: No space left on device"):
        files.write_bytes(path, b"new weights" * 1000)
    assert path.read_bytes() == b"good weights" and os.listdir(tmp_path) == ["model.pt"]


def test_a_full_disk_during_train_is_one_line_exit_1_and_the_weights_are_kept(
    tmp_path, full_disk_for, capsys
):
    full_disk_for("evaluation.json")
    flags = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "r", *flags]) == 1
    written = tmp_path / "r" / "evaluation.json"
    assert messages(capsys.readouterr().err) == [
        f"rlnoise train: error: cannot write {written}: No space left on device"
    ]
    assert torch.load(tmp_path / "r" / "model.pt", weights_only=True)
    assert not (tmp_path / "r" / "evaluation.json").exists() and not list(tmp_path.rglob(f"*{files.PARTIAL}"))


def test_the_weights_are_saved_before_the_final_evaluation(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # a Ctrl-C during the final evaluation

    monkeypatch.setattr(rlnoise.evaluator, "evaluate", interrupted)
    config = Config(total_timesteps=64, num_envs=32, logdir=str(tmp_path), run_name="r")
    with pytest.raises(KeyboardInterrupt):
        train(config, progress=False)
    assert "network.0.weight" in torch.load(tmp_path / "r" / "model.pt", weights_only=True)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["train", "--logdir", "{file}"], "--logdir {file}: {file} is a file, not a directory"),
        (["train", "--logdir", "{file}/runs"], "--logdir {file}/runs: {file} is a file, not a directory"),
        (["compare", "--logdir", "{file}"], "--logdir {file}: {file} is a file, not a directory"),
        (["evaluate", "{run}", "--json", "{folder}"], "--json {folder} is a directory"),
        (["go-values", "--out", "{folder}"], "--out {folder} is a directory"),
    ],
)
def test_output_paths_are_checked_before_any_work(tmp_path, capsys, command, message):
    names = {"file": tmp_path / "notes.txt", "folder": tmp_path, "run": tmp_path / "no-run"}
    names["file"].write_text("keep me")
    assert main([part.format(**names) for part in command]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message.format(**names) in error, error
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_default_run_names_made_in_the_same_second_differ(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.setattr(time, "strftime", lambda *args: "20231114-221320")
    config = Config(logdir=str(tmp_path))
    first, second = rlnoise.runfiles.run_directory(config), rlnoise.runfiles.run_directory(config)
    assert first != second and first.is_dir() and second.is_dir()


def test_config_json_records_the_run_name_made(tmp_path):
    config = Config(total_timesteps=64, num_envs=32, eval_contexts=2, eval_samples=2, logdir=str(tmp_path))
    directory = Path(train(config, progress=False)["directory"])
    assert json.loads((directory / "config.json").read_text())["run_name"] == directory.name
    assert directory.name.startswith("TwoBales-v0__categorical__seed1__")


def test_a_logdir_being_written_by_compare_is_refused_at_once(tmp_path, capsys):
    logdir = tmp_path / "busy"
    logdir.mkdir()
    with open(logdir / files.LOCK, "a") as lock:  # another compare writing there holds this lock
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["compare", "--logdir", str(logdir)]) == 2
    error = capsys.readouterr().err
    assert error == f"rlnoise compare: error: --logdir {logdir} is being written by another rlnoise process\n"
    assert os.listdir(logdir) == [files.LOCK]


def test_the_lock_is_held_while_the_block_writes_and_released_after(tmp_path):
    runs = tmp_path / "runs"
    with files.locked_directory(runs, "--logdir"):
        second = files.locked_directory(runs, "--logdir")
        with pytest.raises(UsageError, match="being written by another"):
            second.__enter__()
    with files.locked_directory(runs, "--logdir") as directory:
        assert directory == runs


def test_a_full_disk_under_tensorboard_s_writer_is_one_line_exit_1_and_the_run_marked_failed(
    tmp_path, monkeypatch, capsys
):
    from tensorboard.summary.writer.record_writer import RecordWriter

    full = []

    def no_space(*args):
        full.append(True)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def opener(path, mode):  # once the disk is full no new file fits: the manifest is written in place
        if full and mode == "xb":
            no_space()
        return open(path, mode)

    monkeypatch.setattr(RecordWriter, "write", lambda self, data: no_space())  # in the writer's thread
    monkeypatch.setattr(files, "open", opener, raising=False)
    flags = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "r", *flags]) == 1
    message = f"cannot write in {tmp_path / 'r'}: No space left on device"
    assert messages(capsys.readouterr().err) == [f"rlnoise train: error: {message}"]  # no thread's traceback
    manifest = read_strict_json(tmp_path / "r" / "manifest.json")
    assert manifest["status"] == "failed" and manifest["error"] == message
    assert full and not list(tmp_path.rglob(f"*{files.PARTIAL}"))
