"""A run directory's manifest, `manifest.json`: what the run is and how far it got.

`status` is `running` while it trains, then `complete`, `interrupted` (Ctrl-C or SIGTERM: its
weights and figures are those of the step reached) or `failed` (with `error`). `weights_step`
is the step of the weights in `model.pt`, `checkpoint_step` that of `checkpoint.pt`, from which
`rlnoise train --resume` continues. `step` is the step training has reached, written every
`PROGRESS_SECONDS` while it runs (compare and sweep show it in their progress bar), and once
more where it ends. `command`, `version` and `commit` (with `-dirty` when rlnoise's source was
modified) say what made the run; each `--resume` adds its own under `resumed`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from rlnoise.errors import RunError
from rlnoise.files import json_bytes, overwrite_small, parse_json, write_json

MANIFEST = "manifest.json"
STATUSES = ("running", "complete", "interrupted", "failed")
PROGRESS_SECONDS = 2.0
"""How often a running run writes its `step`, and compare's and sweep's progress bar reads it."""


def source_commit(source: Path) -> str | None:
    """The git commit of the checkout that holds `source`, ending in `-dirty` when a tracked file
    differs from it; None outside a checkout (an installed package)."""

    def git(*words: str) -> str:
        return subprocess.run(
            ["git", "-C", str(source), *words], capture_output=True, text=True, timeout=5
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        modified = commit and git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if modified else commit or None


def provenance() -> dict[str, Any]:
    """The command line, the package version, and the git commit of rlnoise's source when it has one."""
    try:
        version = metadata.version("rlnoise")
    except metadata.PackageNotFoundError:
        version = None
    commit = source_commit(Path(__file__).resolve().parent.parent)
    return {"command": sys.argv, "version": version, "commit": commit}


def started(directory: str | Path) -> dict[str, Any]:
    """The manifest fields a run writes as it starts: its provenance; for a run that already has
    a command (one resumed), the original kept and this session's added under `resumed`."""
    manifest = read_manifest(directory) or {}
    if not manifest.get("command"):
        return provenance()
    return {"resumed": [*manifest.get("resumed", []), provenance()]}


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    """The run's manifest, or None when it has none (or an unreadable one)."""
    try:
        manifest = parse_json((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("status") in STATUSES else None


def update_manifest(directory: str | Path, **fields: Any) -> None:
    """Write the run's manifest with `fields` changed (atomically), stamped with the time; on a disk
    too full for that, over the old manifest in place, so that a run that fails there says so."""
    path = Path(directory) / MANIFEST
    manifest = {**(read_manifest(directory) or {}), **fields, "updated": time.strftime("%Y-%m-%dT%H:%M:%S")}
    try:
        write_json(path, manifest)
    except RunError:
        if not path.is_file():
            raise
        overwrite_small(path, json_bytes(manifest))
