"""The guides in docs/ run as written: their files, then their commands, in a fresh directory.

Every python snippet whose first line is `# <name>.py` is written to a temporary directory
outside the repository; every `rlnoise ...` line of a bash snippet then runs there, in its own
process, with small training settings appended (a later flag wins). TensorBoard is not started.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SMALL = ["--total-timesteps", "2048", "--num-envs", "64", "--eval-contexts", "2", "--eval-samples", "8"]
EXTRA = {"train": SMALL, "compare": [*SMALL, "--seeds", "1", "--jobs", "2"], "check-env": []}


def snippets(guide: Path) -> tuple[dict[str, str], list[list[str]]]:
    """The files a guide shows, by name, and the rlnoise commands it runs, in order."""
    files, commands = {}, []
    for language, body in FENCE.findall(guide.read_text()):
        first = body.splitlines()[0]
        if language == "python" and re.fullmatch(r"# \w+\.py", first):
            files[first[2:]] = body
        elif language == "bash":
            commands += [shlex.split(line) for line in body.splitlines() if line.startswith("rlnoise ")]
    return files, commands


def rlnoise() -> list[str]:
    """The installed `rlnoise` console script (which, unlike `python -m`, does not put the current
    directory on the path by itself), or the module when the script is not installed."""
    script = Path(sys.executable).with_name("rlnoise")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rlnoise.cli"]


@pytest.mark.slow
@pytest.mark.parametrize("guide", ["adding-an-environment.md", "adding-an-agent.md"])
def test_guide_runs_as_written(guide: str, tmp_path: Path) -> None:
    files, commands = snippets(DOCS / guide)
    assert files
    assert {command[1] for command in commands} >= {"train", "compare"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for command in commands:
        result = subprocess.run(
            [*rlnoise(), *command[1:], *EXTRA[command[1]]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{shlex.join(command)}\n{result.stdout}\n{result.stderr}"
        if command[1] == "check-env":
            assert result.stdout.splitlines()[-1].endswith("all rules pass")
        if command[1] == "compare":
            logdir = command[command.index("--logdir") + 1]
            assert (tmp_path / logdir / "results.md").exists()
