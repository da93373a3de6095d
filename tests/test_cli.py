"""The command line: help, bad input as one line with exit code 2, and no overwritten run."""

import gc
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import messages
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise.cli import build_parser, main
from rlnoise.config import Config
from rlnoise.errors import UsageError
from rlnoise.flags import from_args
from rlnoise.grid.spec import OWN_FLAGS, Grid


def rlnoise(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "rlnoise.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_explains_every_flag_without_importing_torch():
    code = (
        "import sys; from rlnoise.cli import main\ntry: main(['train', '--help'])\nexcept SystemExit: pass\n"
    )
    code += "assert 'torch' not in sys.modules, 'torch imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for flag in ("--env-id", "--agent", "--seed", "--total-timesteps", "--num-envs", "--learning-rate",
                 "--ent-coef", "--sigma", "--logdir", "--run-name", "--device"):  # fmt: skip
        assert flag in result.stdout


def help_blocks(command: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The `--help` of a command, one block of text per option, by its first name."""
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    blocks: dict[str, str] = {}
    current = None
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  -"):
            current = line.split()[0].rstrip(",")
            blocks[current] = line
        elif current is not None and line.startswith("    "):
            blocks[current] += " " + line.strip()
        else:
            current = None
    return blocks


@pytest.mark.parametrize("command", ["train", "compare"])
def test_help_shows_one_default_per_flag_json_and_switches(command, capsys):
    blocks = help_blocks(command, capsys)
    flags = {
        f"--{name.replace('_', '-')}" for name in Config.__dataclass_fields__ if name != "agent_settings"
    }
    assert flags - {f"--{name.replace('_', '-')}" for name in OWN_FLAGS} <= set(blocks)
    assert {"--components", "--state-std", "--transforms"} <= set(blocks)  # the agents' own settings
    for option, block in blocks.items():
        if option != "-h":
            assert block.count("(default:") == 1, block
    assert (
        blocks["--norm-adv"].startswith("  --norm-adv, --no-norm-adv")
        and "(default: off)" in blocks["--norm-adv"]
    )
    assert "--env-kwargs JSON" in blocks["--env-kwargs"] and "JSON object" in blocks["--env-kwargs"]


@pytest.mark.parametrize(
    ("flags", "norm_adv", "given"),
    [([], True, False), (["--norm-adv"], True, True), (["--no-norm-adv"], False, True)],
)
def test_norm_adv_switch_overrides_the_env_training_defaults_only_when_given(flags, norm_adv, given):
    args = build_parser().parse_args(["train", "--env-id", "MultiGoal-v0", *flags])
    assert ("norm_adv" in getattr(args, "given", ())) is given
    assert from_args(args).norm_adv is norm_adv  # MultiGoal-v0 declares norm_adv True


def test_compare_records_a_command_that_parses_back_to_its_settings():
    base = replace(Config(), norm_adv=True, learning_rate=0.01, env_kwargs={"width": 0.2})
    words = shlex.split(Grid(base, ["regression"], [1, 2]).command("compare"))
    assert "--norm-adv" in words and "True" not in words
    args = build_parser().parse_args(words[1:])
    assert from_args(args, agent="regression", logdir="") == replace(base, agent="regression", logdir="")


def test_compare_records_settings_that_override_an_env_s_training_defaults():
    # MultiGoal-v0 declares --bins 5 --num-envs 256 --learning-rate 0.001: rlnoise's global
    # defaults, given on the command line, must come back as given, not as the env's.
    flags = ["--env-id", "MultiGoal-v0", "--bins", "41", "--num-envs", "1024", "--learning-rate", "0.003"]
    base = from_args(build_parser().parse_args(["compare", *flags]), agent="regression", logdir="")
    words = shlex.split(Grid(base, ["regression"], [1]).command("compare"))
    again = from_args(build_parser().parse_args(words[1:]), agent="regression", logdir="")
    assert again == base and (again.bins, again.num_envs, again.learning_rate) == (41, 1024, 0.003)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env-id", "TwoBale-v0"], "did you mean TwoBales-v0"),
        (["--env-id", "Hoppr-v5"], "unknown env id 'Hoppr-v5'; `rlnoise envs` lists them"),  # no Hopper
        (["--env-id", "CartPole-v1"], "CartPole-v1 declares no mode labels"),
        (["--agent", "categorial"], "did you mean categorical"),
        (["--total-timesteps", "0"], "--total-timesteps: must be > 0"),
        (["--sigma", "-1"], "--sigma: must be > 0"),
        (["--learning-rate", "0"], "--learning-rate: must be > 0"),
        (["--num-envs", "-4"], "--num-envs: must be > 0"),
        (["--num-envs", "many"], "--num-envs: expected a number of type int"),
        (["--env-kwargs", "[1]"], "--env-kwargs: expected a JSON object"),
        (["--norm-adv", "maybe"], "unrecognized arguments: maybe"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message, capsys):
    try:  # in this process, for speed: test_module_syntax.py runs such errors as a subprocess
        code = main(["train", *args])
    except SystemExit as exit:  # argparse's errors
        code = exit.code
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and message in error, error


def test_train_plans_and_imports_collecting_no_garbage_and_collects_again_after(monkeypatch, capsys):
    """Planning imports torch, then the run imports the training code: without collections that
    walk their objects as they are made (`rlnoise.startup`); refused settings leave collection on."""
    collecting = []

    def refuse(settings: Config, given: set[str]) -> None:
        collecting.append(gc.isenabled())
        raise UsageError("a mistake in the settings")

    monkeypatch.setattr("rlnoise.commands.train.make_plan", refuse)
    assert main(["train"]) == 2 and "a mistake in the settings" in capsys.readouterr().err
    assert collecting == [False] and gc.isenabled()


def test_existing_run_directory_is_never_overwritten(tmp_path, capsys):
    existing = tmp_path / "mine"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me")
    code = main(["train", "--logdir", str(tmp_path), "--run-name", "mine", "--total-timesteps", "1024"])
    assert code == 2 and "already exists" in capsys.readouterr().err
    assert os.listdir(existing) == ["notes.txt"]


@pytest.mark.slow
def test_train_prints_summary_of_both_evaluation_modes(tmp_path):
    command = [sys.executable, "train.py", "--logdir", str(tmp_path), "--total-timesteps", "20480"]
    result = subprocess.run(
        [*command, "--run-name", "cli"],
        capture_output=True, text=True, timeout=120, cwd=os.path.dirname(os.path.dirname(__file__)),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("sampled") for line in lines)
    assert any(line.startswith("deterministic") for line in lines)
    assert "collapse_rate" in result.stdout and (tmp_path / "cli" / "evaluation.json").exists()
    events = EventAccumulator(str(tmp_path / "cli"))  # all written before the fast exit
    events.Reload()
    assert [event.step for event in events.Scalars("eval/sampled/return")] == [20480]
    assert "_hparams_/session_end_info" in events.PluginTagToContent("hparams")


@pytest.mark.slow
def test_interrupted_run_evaluates_and_saves_what_it_has(tmp_path):
    command = [
        sys.executable,
        "-m",
        "rlnoise.cli",
        "train",
        "--logdir",
        str(tmp_path),
        "--run-name",
        "stopped",
    ]
    process = subprocess.Popen(
        [*command, "--total-timesteps", "100000000", "--eval-every", "1"], stderr=subprocess.PIPE, text=True
    )
    manifest = tmp_path / "stopped" / "manifest.json"
    deadline = time.monotonic() + 240
    while '"checkpoint_step"' not in (manifest.read_text() if manifest.exists() else ""):
        assert time.monotonic() < deadline, "no update finished in 240 s"
        time.sleep(0.2)  # wait for an update, however loaded the machine
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    evaluation = json.loads((tmp_path / "stopped" / "evaluation.json").read_text())
    assert evaluation["interrupted"] and 0 < evaluation["global_step"] < 100000000
    assert (tmp_path / "stopped" / "model.pt").exists()


def test_version_prints_the_version_and_the_commit_of_a_checkout(capsys):
    from importlib import metadata

    from rlnoise.manifest import source_commit

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    commit = source_commit(Path(__file__).resolve().parent.parent)
    shown = f" (commit {commit})" if commit else ""
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"rlnoise {metadata.version('rlnoise')}{shown}\n"


def test_the_hints_at_the_end_run_from_a_fresh_shell_and_point_at_the_run(tmp_path, capsys):
    flags = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "r", *flags]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "TensorBoard:" in line)
    words = shlex.split(line.split("TensorBoard: ")[1].rstrip(")"))
    # the venv's own script (not on PATH unless the venv is activated), on this run alone
    assert os.access(words[0], os.X_OK) and Path(words[0]).absolute().parent == Path(sys.executable).parent
    assert words[1:] == ["--logdir", str(tmp_path / "r")]


@pytest.mark.parametrize(
    "flags",
    [
        ["--env-kwargs", '{"width": 1e-320}'],  # the hay's bumps at their limits, 0 and 1
        ["--env-kwargs", '{"width": 1e308}'],
        ["--env-kwargs", '{"half_gap": 0.6}'],  # a fixed scene: equal observation bounds, valid
        ["--agent", "regression", "--learning-rate", "1e6"],  # a density that vanished, drawn
    ],
)
def test_a_run_warns_nothing_that_rlnoise_does_not_mean_to_say(flags, tmp_path):
    tiny = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["train", "--logdir", str(tmp_path), *tiny, *flags]) == 0
    assert [f"{item.filename}:{item.lineno}: {item.message}" for item in caught] == []


@pytest.mark.slow  # trains, evaluates and draws a sweep's phase diagram: about 6 s
def test_evaluating_a_pickled_model_and_drawing_an_unfinished_sweep_warn_nothing(tmp_path, capsys):
    import pickle

    from rlnoise.grid.scheduler import CellRecord
    from rlnoise.grid.spec import Grid, parse_axis
    from rlnoise.results import write_sweep

    run = tmp_path / "run"
    flags = ["--total-timesteps", "64", "--num-envs", "32", "--eval-contexts", "2", "--eval-samples", "2"]
    assert main(["train", "--logdir", str(tmp_path), "--run-name", "run", *flags]) == 0
    (run / "model.pt").write_bytes(pickle.dumps({"weights": [1.0]}, protocol=4))  # not torch's protocol
    grid = Grid(Config(total_timesteps=64), ["regression"], [1], [parse_axis("sigma=0.1,0.2")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["evaluate", str(run)]) == 2
        write_sweep(tmp_path, grid, [CellRecord.of(cell) for cell in grid.cells(tmp_path)], interrupted=True)
    assert [f"{item.filename}:{item.lineno}: {item.message}" for item in caught] == []
    assert len(messages(capsys.readouterr().err)) == 1  # evaluate's one line


def test_ctrl_c_while_the_command_line_is_parsed_is_one_line_exit_130(monkeypatch, capsys):
    import rlnoise.commands.sweep

    def interrupted(text):
        raise KeyboardInterrupt  # Ctrl-C while a --vary value is parsed

    monkeypatch.setattr(rlnoise.commands.sweep, "parse_axis", interrupted, raising=False)
    monkeypatch.setattr("rlnoise.grid.spec.parse_axis", interrupted)
    assert main(["sweep", "--vary", "sigma=0.1,0.2"]) == 130
    assert messages(capsys.readouterr().err) == ["rlnoise sweep: interrupted"]
