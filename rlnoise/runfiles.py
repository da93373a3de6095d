"""The files of one run: its directory, `config.json`, `model.pt`, `checkpoint.pt`, the manifest
and `evaluation.json`, each written whole or not at all (`rlnoise.files`).

- `config.json` (written once, by `new_run`), the settings of the run;
- `model.pt`, the policy's weights, saved before each evaluation (`RunFiles.keep_weights`);
- `checkpoint.pt`, after each evaluation but the last: everything training carries from one
  update to the next (the algorithm's modules and optimiser, the update counter, the random
  generators). The vector env is then reset with `checkpoint_seed(seed, update)`, so a run that
  `--resume` continues from its checkpoint replays exactly what the uninterrupted run did;
- `manifest.json` (`rlnoise.manifest`): the status, the steps of the weights and the checkpoint,
  the command, the version and the commit;
- `evaluation.json`, the final figures.
"""

from __future__ import annotations

import io
import pickle
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlnoise.config import Config, write_config
from rlnoise.errors import RunError, UsageError
from rlnoise.files import write_bytes, write_json
from rlnoise.flags import default_run_name
from rlnoise.manifest import started, update_manifest

CHECKPOINT = "checkpoint.pt"


def run_directory(config: Config) -> Path:
    """The run's own directory, made new; an existing one is never reused.

    A default name ends in the time and a random tag, so runs started in the same second differ.
    """
    directory = Path(config.logdir) / str(default_run_name(config).run_name)
    try:
        directory.mkdir(parents=True)
    except FileExistsError:
        raise UsageError(
            f"run directory {directory} already exists; choose another --run-name or --logdir"
        ) from None
    except OSError as error:
        raise RunError(f"cannot make run directory {directory}: {error.strerror}") from None
    return directory


def new_run(config: Config) -> tuple[Config, Path]:
    """Make the run's directory and write its config.json; the config with the name made."""
    directory = run_directory(config)
    config = replace(config, run_name=directory.name)  # config.json records the name made
    write_config(directory, config)
    return config, directory


def save_torch(data: Any, path: Path) -> None:
    """Write tensors and state dicts to `path` atomically (`rlnoise.files`)."""
    buffer = io.BytesIO()
    torch.save(data, buffer)
    write_bytes(path, buffer.getvalue())


def read_torch(path: Path, device: str = "cpu") -> Any:
    """The tensors saved in `path`, loaded as weights only (no code runs); a ValueError saying in a
    few words what is wrong with a file that is not one."""
    try:
        with warnings.catch_warnings():  # torch's note on a foreign pickle protocol: the refusal says it
            warnings.simplefilter("ignore")
            return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(
            "not tensors saved by rlnoise (refused by the weights-only loader: nothing in it ran)"
        ) from None
    except EOFError:
        raise ValueError("the file is empty") from None
    except Exception:  # torch's reader on anything else: a zip cut short, stray bytes
        raise ValueError("not a whole torch file (cut short or corrupted)") from None


def checkpoint_seed(seed: int, update: int) -> int:
    """The seed the vector env is reset with after the checkpoint of `update`."""
    return int(np.random.SeedSequence([seed, update]).generate_state(1)[0])


def save_checkpoint(path: Path, update: int, global_step: int, modules: dict[str, Any]) -> None:
    """Everything training carries to the next update: the modules' and optimiser's states, the
    counters and the random generators' states."""
    state = np.random.get_state()
    save_torch(
        {
            "update": update,
            "global_step": global_step,
            "torch_rng": torch.get_rng_state(),
            "numpy_rng": [state[0], state[1].tolist(), *state[2:]],
            **{name: module.state_dict() for name, module in modules.items()},
        },
        path,
    )


def load_checkpoint(path: Path, modules: dict[str, Any]) -> tuple[int, int]:
    """Restore what `save_checkpoint` saved into `modules` and the generators; the update and step.

    A checkpoint that cannot be read (cut short, empty, foreign, a pickle of other objects than
    tensors, the state of other networks) is a RunError naming the file and what is wrong."""
    try:
        checkpoint = read_torch(path)
        for name, module in modules.items():
            if name in checkpoint or module.state_dict():  # an empty state: older checkpoints lack it
                module.load_state_dict(checkpoint[name])
        torch.set_rng_state(checkpoint["torch_rng"])
        name, keys, *rest = checkpoint["numpy_rng"]
        np.random.set_state((name, np.array(keys, dtype=np.uint32), *rest))
        return int(checkpoint["update"]), int(checkpoint["global_step"])
    except ValueError as error:
        raise RunError(f"cannot resume from {path}: {error}") from None
    except KeyError as error:
        raise RunError(f"cannot resume from {path}: it has no {error}") from None
    except Exception:  # load_state_dict's or numpy's refusal
        raise RunError(
            f"cannot resume from {path}: it holds the state of other networks than this run's"
        ) from None


class RunFiles:
    """The files of the run in `directory`, and the step of the weights last saved there."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.saved_step: int | None = None

    def restore(self, modules: dict[str, Any]) -> tuple[int, int]:
        """Load the checkpoint into `modules` if there is one, and mark the run running; the update
        and step to continue from (0, 0 for a new run)."""
        reached = (0, 0)
        if (self.directory / CHECKPOINT).is_file():
            reached = load_checkpoint(self.directory / CHECKPOINT, modules)
        update_manifest(self.directory, status="running", error=None, **started(self.directory))
        return reached

    def keep_weights(self, policy: torch.nn.Module, step: int) -> None:
        """Save the policy's weights, those reached at `step`."""
        save_torch(policy.state_dict(), self.directory / "model.pt")
        self.saved_step = step
        update_manifest(self.directory, weights_step=step)

    def checkpoint(self, update: int, step: int, modules: dict[str, Any]) -> None:
        """Save what training carries from `update` to the next, reached at `step`."""
        save_checkpoint(self.directory / CHECKPOINT, update, step, modules)
        update_manifest(self.directory, checkpoint_step=step)

    def ended(self, status: str, step: int, **fields: Any) -> None:
        """Record in the manifest how the run ended (`rlnoise.manifest.STATUSES`) at `step`."""
        update_manifest(self.directory, status=status, step=step, **fields)

    def write_evaluation(self, evaluation: dict[str, Any]) -> None:
        """Write the final figures, `evaluation.json`."""
        write_json(self.directory / "evaluation.json", evaluation)
