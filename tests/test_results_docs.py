"""The figures docs/results/' pages and the README quote are those the remade tables printed, and
remake.py remakes each group's runs and the log-ratio table."""

import importlib.util
from pathlib import Path

import pytest

from rlnoise.names import run_name

REMAKE = Path(__file__).resolve().parent.parent / "docs" / "results" / "remake.py"


def remake_module():
    """docs/results/remake.py, imported from its file."""
    spec = importlib.util.spec_from_file_location("remake", REMAKE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_quoted_figure_is_printed_by_a_remade_table():
    remake = remake_module()
    assert remake.unbacked() == []
    quoted = remake.QUOTED.findall(remake.QUOTING[-1].read_text())  # phase-diagrams.md
    assert len(quoted) >= 5  # the check has figures to hold
    assert {path.name for path in remake.QUOTING} >= {"README.md", "capacity.md", "noise.md"}


def test_the_check_finds_a_figure_no_sweep_printed(tmp_path, monkeypatch):
    remake = remake_module()
    page, readme = tmp_path / "page.md", tmp_path / "README.md"
    page.write_text("crosses at 0.123 [0.111, 0.135], not printed anywhere")
    row = "| categorical sampled | 0.791 ± 0.004 | covering 5/5 |"
    readme.write_text(f"a table a comparison never printed:\n{row}\n")
    monkeypatch.setattr(remake, "QUOTING", (page, readme))
    assert remake.unbacked() == ["page.md: 0.123 [0.111, 0.135]", f"README.md: {row}"]


def test_a_group_run_is_trained_in_the_workdir_and_backs_the_quotes_of_its_table(tmp_path, monkeypatch):
    remake = remake_module()
    here, workdir = tmp_path / "results", tmp_path / "work"
    row = "| flow sampled | 0.681 [0.650, 0.712] | covering 5/5 |"
    trained = []

    def train(command, logdir):
        trained.append((command, logdir))
        logdir.mkdir(parents=True)
        (logdir / "results.md").write_text(f"{row}\n")
        (logdir / "results.png").write_bytes(b"png")
        return logdir / "results.md", logdir / "results.png"

    monkeypatch.setattr(remake, "HERE", here)
    monkeypatch.setattr(remake, "train", train)
    page = tmp_path / "agents.md"
    page.write_text(f"the flow covers, return 0.681 [0.650, 0.712]:\n\n  {row}\n")
    monkeypatch.setattr(remake, "QUOTING", (page,))
    assert remake.unbacked() == ["agents.md: 0.681 [0.650, 0.712]", f"agents.md: {row}"]
    remake.targets()[remake.target("agents/multigoal")](workdir)
    assert trained == [(remake.AGENTS["multigoal"], workdir / "agents" / "multigoal")]
    assert sorted(path.name for path in (here / "agents" / "multigoal").iterdir()) == [
        "results.md",
        "results.png",
    ]
    assert remake.unbacked() == []


def test_only_takes_a_groups_name_without_the_group_where_no_other_has_it():
    remake = remake_module()
    assert remake.target("twobales-noisy") == "noise/twobales-noisy"
    assert remake.target("capacity-size") == "labs/capacity-size"
    assert remake.target("twobales") == "twobales"  # the comparison, not agents/ or algorithms/
    assert {"agents/twobales", "algorithms/goopening", "algorithms/log-ratios"} <= set(remake.targets())


def write_log_ratios(run: Path, values: dict[int, float]) -> None:
    """A run directory whose event file holds these `multimodality/log_ratio` values by step."""
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(run)) as writer:
        for step, value in values.items():
            writer.add_scalar("multimodality/log_ratio", value, step)
            writer.add_scalar("eval/sampled/return", 1.0, step)  # another tag, left out


def test_the_log_ratio_table_reads_the_sweeps_event_files(tmp_path, monkeypatch):
    remake = remake_module()
    monkeypatch.setattr(remake, "HERE", tmp_path / "results")
    sweep = tmp_path / "work" / "algorithms" / "twobales"
    for index, (algo, seed) in enumerate(
        [("reinforce", 1), ("reinforce", 3), ("ppo", 1), ("ppo", 3), ("bc", 1)]
    ):
        run = sweep / run_name("categorical", seed, settings={"algo": algo})
        write_log_ratios(run, {102400: 0.234 - index / 10, 204800: -0.004 * index, 307200: 0.1})
    remake.log_ratio_table(tmp_path / "work")
    table = (tmp_path / "results" / "algorithms" / "log-ratios.md").read_text().split("\n\n")[-1]
    assert table.splitlines() == [
        "| run | log-ratio at 102k, 205k, 307k steps |",
        "| --- | --- |",
        "| reinforce, seed 1 | +0.23, -0.00, +0.10 |",
        "| reinforce, seed 3 | +0.13, -0.00, +0.10 |",
        "| ppo, seed 1 | +0.03, -0.01, +0.10 |",
        "| ppo, seed 3 | -0.07, -0.01, +0.10 |",
        "| bc, seed 1 | -0.17, -0.02, +0.10 |",
    ]


def test_the_log_ratio_table_refuses_runs_evaluated_at_different_steps(tmp_path):
    remake = remake_module()
    write_log_ratios(tmp_path / "a", {100: 0.5, 200: 0.25})
    write_log_ratios(tmp_path / "b", {100: 0.5})
    with pytest.raises(ValueError, match="different steps"):
        remake.log_ratios({"a": tmp_path / "a", "b": tmp_path / "b"})
