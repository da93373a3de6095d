"""Bitstrings: a dataset of random bit vectors, written one bit per step by an autoregressive policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import seed_vector_env
from rlnoise.envs.memorize import CAPACITY_LINES

MAX_TABLE_NUMBERS = 2**26
"""The most numbers the answer tables of both datasets (trained and held out) may hold."""
LABEL = "in_set"


def _check_arguments(vectors: Any, bits: Any, table_seed: Any) -> None:
    """Raise ValueError, saying what is valid, for a dataset that cannot or should not be drawn."""
    for name, value, least in (("vectors", vectors, 1), ("bits", bits, 1), ("table_seed", table_seed, 0)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if 2 * vectors * bits * bits > MAX_TABLE_NUMBERS:
        raise ValueError(
            f"vectors * bits**2 must be at most {MAX_TABLE_NUMBERS // 2} (the answer tables of the trained "
            f"and the held-out vectors then fill {MAX_TABLE_NUMBERS * 4 // 2**20} MiB of float32), "
            f"got {vectors} * {bits}**2"
        )


def _rows(bits: np.ndarray) -> np.ndarray:
    """Each row of 0/1 bytes as one opaque value, ordered as the rows are lexicographically."""
    bits = np.ascontiguousarray(bits, dtype=np.uint8)
    return bits.view(np.dtype((np.void, bits.shape[-1]))).reshape(bits.shape[:-1])


@dataclass(frozen=True, eq=False)
class Dataset:
    """The dataset's vectors (one row of 0/1 bits each, in the order drawn) and the same rows sorted,
    so that the vectors that start with a prefix are one range of them."""

    vectors: np.ndarray
    sorted_rows: np.ndarray

    def count(self, bits: np.ndarray, written: np.ndarray, after: int = 0) -> np.ndarray:
        """How many vectors match each row of `bits` where `written`, and have bit `after` in the
        first unwritten place (with `after=0`, whatever that bit is; with `after=1`, a row written
        in full has no such place and its count means nothing)."""
        low = np.where(written, bits, 0).astype(np.uint8)
        length = written.sum(axis=-1)
        if after:
            low[np.arange(len(low)), np.minimum(length, low.shape[1] - 1)] = 1
        high = np.where(written, bits, 1)
        found = np.searchsorted(self.sorted_rows, _rows(high), "right")
        return found - np.searchsorted(self.sorted_rows, _rows(low), "left")

    def contains(self, bits: np.ndarray) -> np.ndarray:
        """Whether each row of `bits` (all written) is one of the vectors."""
        return self.count(bits, np.ones(bits.shape, dtype=bool)) > 0


@lru_cache(maxsize=4)
def draw_dataset(vectors: int, bits: int, table_seed: int, held_out: bool) -> Dataset:
    """The dataset `table_seed` fixes (read-only, shared by every env made with these arguments).

    `np.random.default_rng(table_seed)` draws `2 * vectors` vectors of independent fair bits (not
    necessarily distinct): the first half is the trained dataset, the second the held-out one, so
    the trained dataset is the same whether or not a held-out one is asked for.
    """
    _check_arguments(vectors, bits, table_seed)
    drawn = np.random.default_rng(table_seed).integers(2, size=(2 * vectors, bits), dtype=np.uint8)
    chosen = drawn[vectors:] if held_out else drawn[:vectors]
    dataset = Dataset(chosen.copy(), np.sort(_rows(chosen)))
    dataset.vectors.flags.writeable = False
    dataset.sorted_rows.flags.writeable = False
    return dataset


def _check_actions(actions: Any, count: int) -> np.ndarray:
    """The actions as `count` bits; ValueError for any that is not 0 or 1."""
    chosen = np.asarray(actions).reshape(-1)
    if chosen.dtype.kind not in "iu" or chosen.shape != (count,) or ((chosen != 0) & (chosen != 1)).any():
        raise ValueError(f"expected {count} integer action(s) in [0, 2), got {actions!r}")
    return chosen.astype(np.int64)


def _write(
    dataset: Dataset, written: np.ndarray, place: int, actions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Write `actions` (bit 1 as +1, 0 as -1) at `place` of the rows `written` (in place): the
    rewards (1 for a finished vector in the dataset), modes (`"in_set"` or None) and whether the
    vectors are finished."""
    written[:, place] = 2.0 * actions - 1.0
    if place + 1 < written.shape[1]:
        return np.zeros(len(actions)), np.full(len(actions), None, dtype=object), False
    found = dataset.contains(written > 0)
    return found.astype(np.float64), np.where(found, LABEL, None).astype(object), True


class BitstringsEnv(gym.Env):
    """A dataset of random bit vectors, written one bit per step: a policy can only remember it.

    ## Description

    A capacity lab for a generative model. `vectors` (`M`) random vectors of `bits` (`n`) fair
    bits make a dataset; an episode writes one vector, one bit per step, so that a policy is an
    autoregressive model of vectors: its chance of writing a vector is the product of its chances
    of each bit given the bits before. The dataset holds exactly `M * n` bits
    (`information_bits`): its vectors are drawn independently, in order, and nothing compresses
    them. The model's code length of the dataset is its exact negative log-likelihood in bits,
    the sum over every vector and place of `-log2 p(bit | the bits before)`; `M * n` minus it is
    the bits the policy stores (`rlnoise.capacity`). No model that writes vectors one at a time
    can store the order of the dataset, so the ceiling (`ceiling_bits`) is `M * n` minus the
    entropy code of the dataset's own frequencies: `M * (n - log2 M)` for distinct vectors, met by
    a model that writes each of them with chance `1 / M`.

    `held_out=True` asks a second dataset of as many vectors, drawn with the first from
    `table_seed`: a model of the first writes them no likelier than chance in expectation, which
    shows that what was counted is memory.

    ## Action Space

    `Discrete(2)`: the next bit.

    ## Observation Space

    `Box(-1, 1, (bits,), float32)`: the bits written so far, +1 for a 1 and -1 for a 0, and 0 in
    the places not yet written (so the number of nonzero entries is the place to write).

    ## Rewards

    1 at the last step if the vector written is one of the dataset's, else 0; 0 at every other step.

    ## Starting State

    Nothing written: the observation is all zeros, and reset draws no random number. The dataset
    is drawn from `np.random.default_rng(table_seed)`, apart from the training seed: every env made
    with the same `vectors`, `bits` and `table_seed` has the same dataset. It is `self.dataset`:
    `dataset.vectors`, one row of 0/1 bits per vector.

    ## Episode End

    After `bits` steps: `terminated=True`. `info["mode"]` is `"in_set"` when the vector written
    is one of the dataset's, else (and before the last step) `None`; `info["between"]` is always
    `False`.

    ## Declarations (rlnoise contract)

    - `mode_labels`: `("in_set",)`. An episode that reaches it wrote a vector of the dataset:
      evaluation's `hit_rate` is the share of vectors written that are.
    - `info["between"]`: `False`. A vector is in the dataset or not: nothing lies between.
    - `symmetries`: none. Flipping a bit changes the dataset.
    - `action_coordinates`: bit 0 at -1 and bit 1 at +1, as the observation writes them.
    - `expert(observations, rng)`: the next bit of a dataset vector that starts with the bits
      written, drawn with `rng` in proportion to how many do (a fair coin where none does), so
      that behaviour cloning is maximum likelihood of the autoregressive model on the dataset
      (rlnoise's `--algo bc` asks it on the prefixes the policy writes, as DAgger does: each
      prefix's optimum is the dataset's conditional, weighted by how often the policy writes it).
    - `information_bits`: `vectors * bits`.
    - `ceiling_bits`: the most bits a model of one vector at a time can store, `M * n` minus the
      entropy code of the dataset's frequencies, `sum of c * log2(M / c)` over its distinct
      vectors, `c` times each (`M * (n - log2 M)` when all are distinct).
    - `answer_table(held_out=False)`: every decision of every dataset vector, `M * n` rows of
      (the bits before, as an observation; the next bit), vector by vector; with `held_out`, the
      other dataset's. Their code length under the policy is its negative log-likelihood of the
      dataset (`rlnoise.capacity`).
    - `lines`: the capacity lab's (`rlnoise.envs.memorize.CAPACITY_LINES`): bits stored against
      the swept setting and against the parameters below `ceiling_bits`, and bits per parameter
      against their ceiling.

    ## Arguments

    - `vectors`: the number of vectors `M` (default 64).
    - `bits`: the bits of a vector `n` (default 7).
    - `table_seed`: the seed of the dataset (default 0).
    - `held_out`: ask the held-out vectors instead of the dataset's (default False).
    - `render_mode`: `"ansi"` or `"rgb_array"`.

    The default dataset is dense (64 vectors of 7 bits, 48 distinct of all 128: 448 bits, a
    ceiling of 97.5), so that random play writes one of its vectors, as `rlnoise check-env`'s rule
    `modes` asks (with `table_seed=0` it does; so do 64 vectors of 6 bits and 32 of 6, not 64 of 8).
    In a sparse dataset (`2**bits` far above `vectors`, the capacity lab's setting, such as 64 of
    16 bits: 1024 bits, a ceiling of 640) only a policy that stored it ever writes one, and that
    rule fails by design. `vectors * bits**2`
    may be at most 2**25 (both answer tables, 256 MiB of float32); beyond, and for `vectors < 1`,
    `bits < 1` or a negative `table_seed`, the env raises ValueError.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    mode_labels = (LABEL,)
    symmetries = ()
    action_coordinates = np.array([[-1.0], [1.0]])
    lines = CAPACITY_LINES

    def __init__(
        self,
        vectors: int = 64,
        bits: int = 7,
        table_seed: int = 0,
        held_out: bool = False,
        render_mode: str | None = None,
    ):
        self.dataset = draw_dataset(vectors, bits, table_seed, bool(held_out))
        self.held_out, self.table_seed = bool(held_out), table_seed
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(bits,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.written = np.zeros((1, bits), dtype=np.float32)
        self.place = 0

    @property
    def information_bits(self) -> float:
        """The bits the dataset holds: `vectors * bits`."""
        return float(self.dataset.vectors.size)

    @property
    def ceiling_bits(self) -> float:
        """The most bits a model of one vector at a time can store: `M * n` minus the entropy code of
        the dataset's frequencies (`M * (n - log2 M)` for distinct vectors)."""
        counts = np.unique(_rows(self.dataset.vectors), return_counts=True)[1]
        total = len(self.dataset.vectors)
        return self.information_bits - float(sum(count * math.log2(total / count) for count in counts))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a vector: nothing written."""
        super().reset(seed=seed)
        self.written[:] = 0.0
        self.place = 0
        return self.written[0].copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Write the next bit; at the last, score the vector and end the episode."""
        actions = _check_actions(action, 1)
        rewards, modes, finished = _write(self.dataset, self.written, self.place, actions)
        self.place += 1
        info = {"mode": modes[0], "between": False}
        return self.written[0].copy(), float(rewards[0]), finished, False, info

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The next bit of a dataset vector that starts with the bits written, drawn in proportion to
        how many do (a fair coin where none does, and after the last bit)."""
        observations = np.asarray(observations).reshape(-1, self.observation_space.shape[0])
        written = observations != 0
        bits, open_ = observations > 0, written.sum(axis=1) < written.shape[1]
        matching = self.dataset.count(bits, written)
        ones = self.dataset.count(bits, written, after=1)
        chance = np.where(open_ & (matching > 0), ones / np.maximum(matching, 1), 0.5)
        return (rng.random(len(observations)) < chance).astype(np.int64)

    def answer_table(self, held_out: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Every decision of every vector of the dataset: the bits before, as an observation, and the
        next bit, `vectors * bits` rows; with `held_out`, the other dataset's."""
        vectors, bits = self.dataset.vectors.shape
        dataset = (
            draw_dataset(vectors, bits, self.table_seed, not self.held_out) if held_out else self.dataset
        )
        before = np.tril(np.ones((bits, bits), dtype=np.float32), k=-1)  # row i: the places before i
        signs = 2.0 * dataset.vectors.astype(np.float32) - 1.0
        rows = (signs[:, None, :] * before[None]).reshape(-1, bits)
        return rows, dataset.vectors.reshape(-1).astype(np.int64)

    def render(self) -> str | np.ndarray | None:
        """Show the bits written so far, and at the end whether the vector is in the dataset."""
        if self.render_mode == "ansi":
            return _render_ansi(self.dataset, self.written[0], self.place)
        if self.render_mode == "rgb_array":
            return _render_rgb(self.dataset, self.written[0], self.place)
        return None


def _found(dataset: Dataset, written: np.ndarray, place: int) -> bool | None:
    """Whether the finished vector `written` is in the dataset; None before it is finished."""
    return bool(dataset.contains(written[None] > 0)[0]) if place == len(written) else None


def _render_ansi(dataset: Dataset, written: np.ndarray, place: int) -> str:
    line = "".join({1.0: "1", -1.0: "0", 0.0: "."}[float(value)] for value in written)
    found = _found(dataset, written, place)
    if found is not None:
        line += " in the dataset" if found else " not in the dataset"
    return f"{line} ({place} of {len(written)} bits, {len(dataset.vectors)} vectors)\n"


def _render_rgb(dataset: Dataset, written: np.ndarray, place: int, width: int = 400) -> np.ndarray:
    """The bits as cells (1 black, 0 white, unwritten grey) on a strip that turns green for a
    finished vector of the dataset and red for one that is not."""
    found = _found(dataset, written, place)
    image = np.full((40, width, 3), {None: 235, True: (40, 160, 60), False: (200, 40, 40)}[found], np.uint8)
    entries = (np.arange(width) * len(written)) // width
    shades = np.array([255, 150, 0], dtype=np.uint8)  # a written 0, a place not written, a written 1
    image[5:35] = shades[(written[entries] + 1).astype(int)][None, :, None]
    return image


class BitstringsVectorEnv(VectorEnv):
    """`num_envs` Bitstrings episodes stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    Every episode lasts `bits` steps and all start together, so all end at the same step: the
    returned observations are then empty vectors, and `infos["final_obs"]` (the vectors written,
    one `(num_envs, bits)` array) and `infos["final_info"]["mode"]` and `["between"]` hold the
    finished episodes', as gymnasium's `SyncVectorEnv` with `autoreset_mode=SAME_STEP` would
    return them. A start draws no random number, so every seed starts alike.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self, num_envs: int = 1, vectors: int = 64, bits: int = 7, table_seed: int = 0, held_out: bool = False
    ):
        single = BitstringsEnv(vectors, bits, table_seed, held_out)
        self.num_envs = num_envs
        self.dataset = single.dataset
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(single.observation_space, num_envs)
        self.action_space = batch_space(single.action_space, num_envs)
        self.written = np.zeros((num_envs, bits), dtype=np.float32)
        self.place = 0
        self._all = np.ones(num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start every vector anew: nothing written."""
        seed_vector_env(self, seed)
        self.written[:] = 0.0
        self.place = 0
        return self.written.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Write every next bit; at the last, score the vectors and start new ones."""
        chosen = _check_actions(actions, self.num_envs)
        rewards, modes, finished = _write(self.dataset, self.written, self.place, chosen)
        self.place += 1
        ended = self._all if finished else ~self._all
        infos: dict[str, Any] = {}
        if finished:
            final_info = {"mode": modes, "_mode": ended, "between": ~ended, "_between": ended}
            infos = {"final_obs": self.written.copy(), "_final_obs": ended}
            infos.update({"final_info": final_info, "_final_info": ended})
            self.written[:] = 0.0
            self.place = 0
        return self.written.copy(), rewards, ended.copy(), ~self._all, infos
