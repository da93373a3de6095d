"""A run directory's manifest, `manifest.json`: what the run is and how far it got.

`status` is `running` while it trains, then `complete`, `interrupted` (Ctrl-C or SIGTERM: its
weights and figures are those of the step reached) or `failed` (with `error`). `weights_step`
is the step of the weights in `model.pt`, `checkpoint_step` that of `checkpoint.pt`, from which
`rlnoise train --resume` continues. `step` is the step training has reached, written every
`PROGRESS_SECONDS` while it runs (compare and sweep show it in their progress bar). `command`,
`version` and `commit` say what made the run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from rlnoise.files import parse_json, write_json

MANIFEST = "manifest.json"
STATUSES = ("running", "complete", "interrupted", "failed")
PROGRESS_SECONDS = 2.0
"""How often a running run writes its `step`, and compare's and sweep's progress bar reads it."""


def provenance() -> dict[str, Any]:
    """The command line, the package version, and the git commit of rlnoise's source when it has one."""
    try:
        version = metadata.version("rlnoise")
    except metadata.PackageNotFoundError:
        version = None
    source = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"command": sys.argv, "version": version, "commit": commit or None}


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    """The run's manifest, or None when it has none (or an unreadable one)."""
    try:
        manifest = parse_json((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("status") in STATUSES else None


def update_manifest(directory: str | Path, **fields: Any) -> None:
    """Write the run's manifest with `fields` changed (atomically), stamped with the time."""
    manifest = read_manifest(directory) or {}
    write_json(
        Path(directory) / MANIFEST, {**manifest, **fields, "updated": time.strftime("%Y-%m-%dT%H:%M:%S")}
    )
