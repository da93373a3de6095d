"""The figures docs/results/phase-diagrams.md and the README quote are those the sweeps printed."""

import importlib.util
from pathlib import Path

REMAKE = Path(__file__).resolve().parent.parent / "docs" / "results" / "remake.py"


def remake_module():
    """docs/results/remake.py, imported from its file."""
    spec = importlib.util.spec_from_file_location("remake", REMAKE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_quoted_sweep_figure_is_printed_by_a_remade_sweep():
    remake = remake_module()
    assert remake.unbacked() == []
    quoted = remake.QUOTED.findall(remake.QUOTING[0].read_text())
    assert len(quoted) >= 5  # the check has figures to hold


def test_the_check_finds_a_figure_no_sweep_printed(tmp_path, monkeypatch):
    remake = remake_module()
    page, readme = tmp_path / "page.md", tmp_path / "README.md"
    page.write_text("crosses at 0.123 [0.111, 0.135], not printed anywhere")
    row = "| categorical sampled | 0.791 ± 0.004 | covering 5/5 |"
    readme.write_text(f"a table a comparison never printed:\n{row}\n")
    monkeypatch.setattr(remake, "QUOTING", (page, readme))
    assert remake.unbacked() == ["page.md: 0.123 [0.111, 0.135]", f"README.md: {row}"]
