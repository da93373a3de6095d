"""Memorize: one step, a fixed table of random keys and answers, and nothing to learn but the table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import Line, ceiling_bits, draw_starts

MAX_TABLE_NUMBERS = 2**26
"""The most numbers the keys of both tables (trained and held out) may hold: 256 MiB of float32."""
MAX_ANSWERS = 2**16
"""The most answers per key: a choice policy's output layer has one unit per answer."""
LABEL = "right"
ANCHORS = (
    ("2 bits/parameter (Cover 1965; Allen-Zhu & Li 2025)", 2.0),
    ("3.6 (Morris et al. 2025)", 3.6),
    ("5 (Collins et al. 2017)", 5.0),
)
"""Published bits per parameter, drawn beside the fitted slope."""


def cover_share(points: int, weights: int) -> float:
    """Cover's (1965) count: the share of the `2^points` labellings of `points` in general position
    that a linear threshold unit of `weights` weights separates, `2^(1 - N) sum_{k < n} C(N - 1, k)`
    (one half at `points = 2 weights`)."""
    separable = sum(math.comb(points - 1, k) for k in range(min(weights, points)))
    return separable / 2 ** (points - 1)


def _parameters(env: Any, settings: dict[str, Any]) -> float | None:
    """The policy's trainable scalars, as its runs counted them (None before one finished)."""
    return settings["parameters"]


def _ceiling(env: Any, settings: dict[str, Any]) -> float | None:
    """The most bits any policy can store of the table (`rlnoise.contract.ceiling_bits`)."""
    return ceiling_bits(env)


def _stored_ceiling(env: Any, settings: dict[str, Any]) -> float:
    """The table's ceiling, and with a `--bottleneck` the rows times the bits its sampled units
    carry about a row (`I(row; z) <= KL`, `bottleneck_kl_bits`), whichever is lower."""
    kl = settings.get("bottleneck_kl_bits")
    table = _ceiling(env, settings)
    return table if kl is None else min(table, len(env.answer_table()[0]) * kl)


def _per_parameter_ceiling(env: Any, settings: dict[str, Any]) -> float | None:
    """The most bits per parameter: the table's ceiling over the parameters, and no more than a
    Gaussian channel's `0.5 log2(1 + 1/S^2)` per weight with `--weight-noise S` (Shannon) or 1 bit
    per weight with `--binarize`."""
    if not settings["parameters"]:
        return None
    ceilings = [_ceiling(env, settings) / settings["parameters"]]
    if settings["weight_noise"] > 0:
        ceilings.append(0.5 * math.log2(1 + settings["weight_noise"] ** -2))
    if settings["binarize"]:
        ceilings.append(1.0)
    return min(ceilings)


TABLES = ("env.table_seed",)
"""The setting whose points are more samples of one: the table drawn (pooled by the lines)."""
CAPACITY_LINES = (
    Line(
        "bits_stored",
        "bits stored against the swept setting, below the table's ceiling (N log2 K for Memorize) and "
        "a bottleneck's N x KL bits",
        play=None,
        pool=TABLES,
        predict=_stored_ceiling,
    ),
    Line(
        "bits_stored",
        "bits stored against parameters: the fitted bits per parameter below the table's ceiling "
        "(N log2 K for Memorize), beside published ones",
        play=None,
        pool=TABLES,
        predict=_ceiling,
        against=("policy parameters (trainable scalars)", _parameters),
        fit="proportional",
        anchors=ANCHORS,
    ),
    Line(
        "bits_per_param",
        "bits per parameter against their ceiling: the table's over the parameters, 0.5 log2(1 + 1/S^2) "
        "per weight with weight noise S (Shannon), 1 with binarized weights",
        play=None,
        pool=TABLES,
        predict=_per_parameter_ceiling,
    ),
)
"""The capacity lab's lines for any env with a table: bits stored against the swept setting and
against the parameters (the fitted bits per parameter beside `ANCHORS`), and bits per parameter
against its ceiling."""


def _keys_per_dimension(env: MemorizeEnv, settings: dict[str, Any]) -> float:
    """`N / key_dim`: the keys over the entries of a key."""
    return len(env.table.keys) / env.table.keys.shape[1]


def _cover(env: MemorizeEnv, settings: dict[str, Any]) -> float | None:
    """For a linear policy (`--layers 0`) of two answers, Cover's share of tables it can store
    whole: its two outputs differ by one threshold unit of `key_dim` weights and a bias."""
    if settings["layers"] != 0 or env.action_space.n != 2:
        return None
    return cover_share(len(env.table.keys), env.table.keys.shape[1] + 1)


def _is_count(value: Any) -> bool:
    """Whether `value` is an integer (numpy's too), not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_arguments(keys: Any, answers: Any, key_dim: Any, table_seed: Any) -> None:
    """Raise ValueError, saying what is valid, for a table that cannot or should not be drawn."""
    for name, value, least in (("keys", keys, 1), ("answers", answers, 2), ("key_dim", key_dim, 1)):
        if not _is_count(value) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if not _is_count(table_seed) or table_seed < 0:
        raise ValueError(f"table_seed must be an integer >= 0, got {table_seed!r}")
    if answers > MAX_ANSWERS:
        raise ValueError(f"answers must be at most {MAX_ANSWERS} (one policy output each), got {answers}")
    if 2 * keys * key_dim > MAX_TABLE_NUMBERS:
        raise ValueError(
            f"keys * key_dim must be at most {MAX_TABLE_NUMBERS // 2} (the trained and the held-out keys "
            f"then fill {MAX_TABLE_NUMBERS * 4 // 2**20} MiB of float32), got {keys} * {key_dim}"
        )


def _rows(keys: np.ndarray) -> np.ndarray:
    """Each row of a float32 array as one opaque value, so that rows compare and sort as wholes."""
    keys = np.ascontiguousarray(keys, dtype=np.float32)
    return keys.view(np.dtype((np.void, keys.shape[-1] * keys.itemsize))).reshape(keys.shape[:-1])


def _distinct_keys(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    """`count` keys of standard-normal float32 entries, all different: a repeated key is redrawn
    (only a short key among very many ever repeats)."""
    keys = rng.standard_normal((count, dim), dtype=np.float32)
    while True:
        _, first = np.unique(_rows(keys), return_index=True)
        if len(first) == count:
            return keys
        repeated = np.setdiff1d(np.arange(count), first)
        keys[repeated] = rng.standard_normal((len(repeated), dim), dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Table:
    """The keys (one row each) and their answers, with the keys sorted for exact lookup."""

    keys: np.ndarray
    answers: np.ndarray
    order: np.ndarray
    sorted_rows: np.ndarray

    def lookup(self, observations: np.ndarray) -> np.ndarray:
        """The index of each observation's key in the table; ValueError for one that is no key."""
        rows = _rows(np.reshape(observations, (-1, self.keys.shape[1])))
        place = np.minimum(np.searchsorted(self.sorted_rows, rows), len(self.sorted_rows) - 1)
        missing = int((self.sorted_rows[place] != rows).sum())
        if missing:
            raise ValueError(f"{missing} of {len(rows)} observations are not keys of this table")
        return self.order[place]


@lru_cache(maxsize=4)
def draw_table(keys: int, answers: int, key_dim: int, table_seed: int, held_out: bool) -> Table:
    """The table `table_seed` fixes (read-only, shared by every env made with these arguments).

    `np.random.default_rng(table_seed)` draws `2 * keys` distinct keys and then `2 * keys` answers:
    the first half is the trained table, the second the held-out one, so the two never share a
    key and the trained table is the same whether or not a held-out one is asked for.
    """
    _check_arguments(keys, answers, key_dim, table_seed)
    rng = np.random.default_rng(table_seed)
    all_keys = _distinct_keys(rng, 2 * keys, key_dim)
    all_answers = rng.integers(answers, size=2 * keys)
    half = slice(keys, None) if held_out else slice(None, keys)
    chosen = all_keys[half].copy()
    order = np.argsort(_rows(chosen), kind="stable")
    table = Table(chosen, all_answers[half].copy(), order, _rows(chosen)[order])
    for array in (table.keys, table.answers, table.order, table.sorted_rows):
        array.flags.writeable = False
    return table


def _draw_key(rng: np.random.Generator, size: int | None, keys: int) -> np.ndarray:
    """The index of `size` episodes' keys (one when `size` is None), drawn alike by both envs."""
    return rng.integers(keys, size=size)


def _check_actions(actions: Any, count: int, answers: int) -> np.ndarray:
    """The actions as `count` int64 answers; ValueError for any outside `[0, answers)`."""
    chosen = np.asarray(actions).reshape(-1)
    valid = chosen.dtype.kind in "iu" and chosen.shape == (count,)
    if not valid or (chosen < 0).any() or (chosen >= answers).any():
        raise ValueError(f"expected {count} integer action(s) in [0, {answers}), got {actions!r}")
    return chosen.astype(np.int64)


def _score(table: Table, indices: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rewards (1 for the key's answer, else 0) and modes (`"right"` or None) of a batch."""
    right = actions == table.answers[indices]
    return right.astype(np.float64), np.where(right, LABEL, None).astype(object)


def _start(table: Table, options: dict[str, Any] | None) -> np.ndarray | None:
    """The key index `options["observation"]` names (the key itself), or None without it."""
    if options is None or "observation" not in options:
        return None
    return table.lookup(options["observation"])


class MemorizeEnv(gym.Env):
    """A table of random keys and answers, asked one key per episode: a policy can only remember it.

    ## Description

    A capacity lab. `keys` fixed random input vectors (the keys) each have a fixed answer drawn
    uniformly among `answers`. An episode shows one key and asks for its answer, once. The
    answers are random, so nothing about one key's answer says anything about another's: the
    table holds exactly `keys * log2(answers)` bits (`information_bits`), no model can compress
    it, and whatever share of the keys a policy answers right beyond chance (`1 / answers`), it
    has stored. With the mean cross-entropy `CE` (bits) of the right answers over the keys,
    `keys * (log2(answers) - CE)` bounds from below the bits the policy holds about the table.

    `held_out=True` asks a second table of as many keys, drawn with the first from `table_seed`,
    none of them in the first, with answers of their own: there a policy that stored the first
    table is right at chance, which shows that what was counted is memory and not a rule.

    ## Action Space

    `Discrete(answers)`: the answer.

    ## Observation Space

    `Box(-inf, inf, (key_dim,), float32)`: the key, whose entries are independent standard
    normal draws (so the keys lie in general position, the setting of Cover's capacity count).

    ## Rewards

    1 for the key's answer, 0 for any other.

    ## Starting State

    A key of the table drawn uniformly from `self.np_random`. The table itself is drawn from
    `np.random.default_rng(table_seed)`, apart from the training seed: every env made with the
    same `keys`, `answers`, `key_dim` and `table_seed` asks the same table whatever its seed.
    `reset(options={"observation": key})` asks that key (ValueError for a vector that is not
    one of the table's keys). The table is `self.table`: `table.keys` (one row per key) and
    `table.answers`, to score a policy on every key at once.

    ## Episode End

    After one step: `terminated=True`. `info["mode"]` is `"right"` when the answer is the key's,
    else `None`; `info["between"]` is always `False`.

    ## Declarations (rlnoise contract)

    - `mode_labels`: `("right",)`. Each key has one good answer, so there is one label, and an
      episode that reaches it is a key remembered: evaluation's `hit_rate` is the share of keys
      answered right. A start state (a key) answered right in at least a quarter of its episodes
      reads *covering* (its one good answer played), one answered right less often *diffuse*
      (the outcome rules, docs/design.md section 6).
    - `info["between"]`: `False`. There is nothing to average between: one good answer per key.
    - `symmetries`: none. A permutation of the answers changes the table.
    - `action_coordinates`: answer `a` at `-1 + 2a / (answers - 1)`, evenly on `[-1, 1]`, so that
      point agents play the nearest answer. The order means nothing: the answers are random
      labels, so neighbouring answers are no more alike than any two.
    - `expert(observations, rng)`: the table lookup, exact (by matching the key; `rng` is not
      needed, as each key has one answer).
    - `landmarks(observation)`: the key's answer, in action coordinates, `{"answer": [[x]]}`.
    - `information_bits`: `keys * log2(answers)`.
    - `answer_table(held_out=False)`: the table's keys and answers (with `held_out`, the other
      table's: the held-out keys of this env, or, for `held_out=True`, the trained ones), for
      rlnoise to count the bits a policy stores (`rlnoise.capacity`).
    - `lines` (theory lines a sweep draws, `rlnoise.contract.Line`): `bits_stored` against the
      swept setting below the ceiling `information_bits`; `bits_stored` against the
      policy's parameters below the ceiling `information_bits`, with the fitted bits per
      parameter and the published ones (`ANCHORS`: 2, Cover 1965 and Allen-Zhu & Li 2025; 3.6,
      Morris et al. 2025; 5, Collins et al. 2017); `bits_per_param` against its ceiling (the
      table's bits over the parameters, at most `0.5 log2(1 + 1/S^2)` per weight with
      `--weight-noise S`, Shannon's Gaussian channel, and 1 with `--binarize`); and for a linear
      policy of two answers the share of tables stored whole (`table_stored`) against `keys /
      key_dim`, the table seeds pooled, beside Cover's count `cover_share`: one half at
      `keys = 2 (key_dim + 1)`.

    ## Arguments

    - `keys`: the number of keys `N` (default 256).
    - `answers`: the number of answers `K` (default 4).
    - `key_dim`: the entries of a key (default 16).
    - `table_seed`: the seed of the table (default 0).
    - `held_out`: ask the held-out keys instead of the table's (default False).
    - `render_mode`: `"ansi"` or `"rgb_array"`.

    `keys * key_dim` may be at most 2**25 (the trained and held-out keys, 256 MiB of float32)
    and `answers` at most 2**16; beyond, and for `keys < 1`, `answers < 2`, `key_dim < 1` or a
    negative `table_seed`, the env raises ValueError.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    mode_labels = (LABEL,)
    symmetries = ()
    lines = (
        *CAPACITY_LINES,
        Line(
            "table_stored",
            "the share of tables a linear unit (--layers 0, 2 answers) stores whole, against Cover's "
            "count: one half at N = 2 (key_dim + 1)",
            play=None,
            predict=_cover,
            against=("keys per input dimension N / key_dim", _keys_per_dimension),
            pool=TABLES,
            crossing=True,
        ),
    )

    def __init__(
        self,
        keys: int = 256,
        answers: int = 4,
        key_dim: int = 16,
        table_seed: int = 0,
        held_out: bool = False,
        render_mode: str | None = None,
    ):
        self.table = draw_table(keys, answers, key_dim, table_seed, bool(held_out))
        self.held_out, self.table_seed = bool(held_out), table_seed
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(key_dim,), dtype=np.float32)
        self.action_space = spaces.Discrete(answers)
        self.action_coordinates = np.linspace(-1.0, 1.0, answers)[:, None]
        self.index = 0
        self.played: int | None = None

    @property
    def information_bits(self) -> float:
        """The bits the table holds: `keys * log2(answers)`."""
        return len(self.table.keys) * math.log2(self.action_space.n)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Ask a key drawn at random, or the key `options["observation"]`."""
        super().reset(seed=seed)
        self.index = int(_draw_key(self.np_random, None, len(self.table.keys)))
        start = _start(self.table, options)
        if start is not None:
            self.index = int(start[0])
        self.played = None
        return self.table.keys[self.index].copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Answer, score the answer, and end the episode."""
        actions = _check_actions(action, 1, self.action_space.n)
        rewards, modes = _score(self.table, np.array([self.index]), actions)
        self.played = int(actions[0])
        info = {"mode": modes[0], "between": False}
        return self.table.keys[self.index].copy(), float(rewards[0]), True, False, info

    def expert(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Each observed key's answer, looked up in the table."""
        return self.table.answers[self.table.lookup(observations)]

    def answer_table(self, held_out: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Every key this env asks and its answer; with `held_out`, the other table drawn with it
        (as many keys, never asked here, with answers of their own)."""
        keys, dim = self.table.keys.shape
        table = draw_table(keys, self.action_space.n, dim, self.table_seed, self.held_out != held_out)
        return table.keys, table.answers

    def landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The answer of the key `observation`, in action coordinates."""
        return {"answer": self.action_coordinates[self.expert(observation, None)]}

    def render(self) -> str | np.ndarray | None:
        """Show the key asked, its answer and the answer played, as text or as an image."""
        if self.render_mode == "ansi":
            return _render_ansi(self.table, self.index, self.played)
        if self.render_mode == "rgb_array":
            return _render_rgb(self.table, self.index, self.played, self.action_space.n)
        return None


def _render_ansi(table: Table, index: int, played: int | None) -> str:
    answer = int(table.answers[index])
    line = f"key {index} of {len(table.keys)}: answer {answer}"
    if played is not None:
        line += f", played {played} ({'right' if played == answer else 'wrong'})"
    return line + "\n"


RIGHT, WRONG, ANSWER, BACKGROUND = (40, 160, 60), (200, 40, 40), (170, 225, 170), (240, 240, 235)


def _render_rgb(table: Table, index: int, played: int | None, answers: int, width: int = 400) -> np.ndarray:
    """The key's entries as grey cells (black -3, white +3) above a strip of the answers: the key's
    answer light green, the answer played green when right, red when wrong."""
    image = np.full((60, width, 3), BACKGROUND, dtype=np.uint8)
    key = table.keys[index]
    entries = (np.arange(width) * len(key)) // width
    image[5:30] = (np.clip((key[entries] + 3) / 6, 0, 1) * 255).astype(np.uint8)[None, :, None]

    answer = int(table.answers[index])
    image[35:55, _columns(answer, answers, width)] = ANSWER
    if played is not None:
        image[38:52, _columns(played, answers, width)] = RIGHT if played == answer else WRONG
    return image


def _columns(answer: int, answers: int, width: int) -> slice:
    """The image columns of an answer's cell: at least one, however many answers share the width."""
    start = answer * width // answers
    return slice(start, max((answer + 1) * width // answers, start + 1))


class MemorizeVectorEnv(VectorEnv):
    """`num_envs` Memorize episodes stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    Every step ends every episode: the returned observations are the next keys, and
    `infos["final_obs"]` (the keys answered, one `(num_envs, key_dim)` array) and
    `infos["final_info"]["mode"]` and `["between"]` hold the finished episodes', as gymnasium's
    `SyncVectorEnv` with `autoreset_mode=SAME_STEP` would return them. Resetting with a list of
    seeds draws each key exactly as `MemorizeEnv.reset(seed=s)` does.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        keys: int = 256,
        answers: int = 4,
        key_dim: int = 16,
        table_seed: int = 0,
        held_out: bool = False,
    ):
        single = MemorizeEnv(keys, answers, key_dim, table_seed, held_out)
        self.num_envs = num_envs
        self.table = single.table
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(single.observation_space, num_envs)
        self.action_space = batch_space(single.action_space, num_envs)
        self.indices = np.zeros(num_envs, dtype=np.int64)
        self._all = np.ones(num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw new keys: from one generator, or per environment for a list of seeds."""
        self.indices = draw_starts(self, seed, partial(_draw_key, keys=len(self.table.keys)))
        start = _start(self.table, options)
        if start is not None:
            self.indices = np.broadcast_to(start, self.indices.shape).copy()
        return self.table.keys[self.indices], {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Score every answer, and draw the next keys."""
        chosen = _check_actions(actions, self.num_envs, self.single_action_space.n)
        rewards, modes = _score(self.table, self.indices, chosen)
        final_info = {
            "mode": modes,
            "_mode": self._all,
            "between": ~self._all,
            "_between": self._all,
        }
        infos = {
            "final_obs": self.table.keys[self.indices],
            "_final_obs": self._all,
            "final_info": final_info,
            "_final_info": self._all,
        }
        self.indices = _draw_key(self.np_random, self.num_envs, len(self.table.keys))
        terminated = self._all.copy()
        return self.table.keys[self.indices], rewards, terminated, ~terminated, infos
