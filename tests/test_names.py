"""The naming rules of `rlnoise.names`: `module:Name` resolved once, run directory names, flags."""

from __future__ import annotations

import importlib
import sys

import pytest

from rlnoise import names
from rlnoise.errors import UsageError


def test_a_module_name_is_imported_and_put_on_the_path_once(tmp_path, monkeypatch):
    (tmp_path / "resolve_once.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [path for path in sys.path if path != str(tmp_path)])
    imported = []
    monkeypatch.setattr(importlib, "import_module", lambda name: imported.append(name))
    monkeypatch.setattr(names, "RESOLVED", {})
    assert [names.resolve("resolve_once:Thing-v0", "env id") for _ in range(3)] == ["Thing-v0"] * 3
    assert imported == ["resolve_once"] and sys.path.count(str(tmp_path)) == 1


@pytest.mark.parametrize("kind", ["env id", "agent"])
def test_env_ids_and_agents_share_one_error_path(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=f"cannot import module 'no_such_module' of {kind} "):
        names.resolve("no_such_module:Thing", kind)
    with pytest.raises(UsageError, match=f"{kind} 'a b:Thing' is not"):
        names.resolve("a b:Thing", kind)


def test_single_and_compared_runs_are_named_by_one_rule():
    assert names.run_name("my_pkg.agents:deep", 3) == "my_pkg.agents_deep__seed3"
    single = names.run_name("my_pkg.agents:deep", 3, "my_envs:Fork-v0", "20250101-120000-3fa2c1")
    assert single == "my_envs_Fork-v0__my_pkg.agents_deep__seed3__20250101-120000-3fa2c1"
    assert ":" not in single and "/" not in names.file_name("a/b:c")


def test_flag_names():
    assert names.flag_name("env_kwargs") == "--env-kwargs"
