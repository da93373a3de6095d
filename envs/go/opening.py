"""GoOpening: one move of small-board Go, rewarded by its value in real (random) play."""

from __future__ import annotations

import functools
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import Symmetry, seed_vector_env
from rlnoise.envs.go.engine import BLACK, WHITE, GoPosition, playouts, point_name, symmetry_maps

REWARD_SOURCES = ("table", "playout")
COLOUR_NAMES = {BLACK: "Black", WHITE: "White"}


@dataclass(frozen=True)
class Opening:
    """A start position, its table of move values, and every move's outcome, precomputed.

    Arrays indexed by the chosen action `a` (`N * N` is pass): `played[a]` is the move actually
    played (a pass when `a` is illegal), `illegal[a]`, `value[a]` (the table's value of the move
    played), `point[a]` (the name of `a`), `mode[a]` (the name of the move played when it is in
    the best set, else `None`), `between[a]` (whether the point `a` is nearer the mean of the
    best moves than every best move: the averaging region); `after[a]` is the position after
    the move played.
    """

    size: int
    komi: float
    max_moves: int
    position: GoPosition
    values: np.ndarray
    stderr: np.ndarray
    best: np.ndarray
    played: np.ndarray
    illegal: np.ndarray
    value: np.ndarray
    point: np.ndarray
    mode: np.ndarray
    between: np.ndarray
    after: tuple[GoPosition, ...]
    observation: np.ndarray
    after_observation: np.ndarray

    @property
    def colour(self) -> int:
        """The agent's colour: the player to move in the start position."""
        return self.position.to_play


def table_path(table: str | Path) -> Path:
    """The file of a table: a path to a JSON file, or the name of a table shipped in envs/go/tables."""
    path = Path(table)
    if path.suffix == ".json" or path.exists():
        return path
    return Path(str(importlib.resources.files("rlnoise.envs.go") / "tables" / f"{table}.json"))


def planes(position: GoPosition) -> np.ndarray:
    """Feature planes `[3, N, N]` float32: the stones of the player to move, the opponent's, empty."""
    board = position.board.reshape(position.size, position.size)
    mover = position.to_play
    return np.stack([board == mover, board == 3 - mover, board == 0]).astype(np.float32)


@functools.lru_cache(maxsize=32)
def read_table(table: str | Path) -> dict[str, Any]:
    """The JSON of a table written by `rlnoise go-values` (no Go engine needed, so nothing compiles)."""
    path = table_path(table)
    if not path.is_file():
        shipped = importlib.resources.files("rlnoise.envs.go") / "tables"
        names = sorted(
            item.name.removesuffix(".json") for item in shipped.iterdir() if item.name.endswith(".json")
        )
        raise ValueError(f"no Go value table {str(table)!r}; shipped tables: {', '.join(names) or 'none'}")
    data = json.loads(path.read_text())
    size = int(data["board_size"])
    values = table_values(data)
    if values.shape != (size * size + 1,) or np.isnan(values[size * size]):
        raise ValueError(f"{path}: values must hold one number per point and one for pass")
    return data


def table_values(data: dict[str, Any]) -> np.ndarray:
    """A table's value of every action (`nan`: an illegal move, which the table leaves out)."""
    return np.array([np.nan if v is None else v for v in data["values"]], dtype=np.float64)


def best_moves(values: np.ndarray, mode_tolerance: float) -> np.ndarray:
    """Which actions are best: legal (valued) and within `mode_tolerance` points of the best value."""
    if mode_tolerance < 0:
        raise ValueError(f"mode_tolerance must be >= 0, got {mode_tolerance}")
    return ~np.isnan(values) & (values >= np.nanmax(values) - mode_tolerance)


def best_labels(table: str | Path, mode_tolerance: float) -> tuple[str, ...]:
    """The names of a table's best moves, in action order, read from the table alone."""
    data = read_table(table)
    best = best_moves(table_values(data), mode_tolerance)
    return tuple(point_name(int(a), int(data["board_size"])) for a in np.flatnonzero(best))


@functools.lru_cache(maxsize=32)
def load_opening(table: str | Path, mode_tolerance: float = 0.5) -> Opening:
    """Read a table written by `rlnoise go-values` and precompute every move's outcome (with the
    Go engine, compiled by numba on first use)."""
    data = read_table(table)
    size = int(data["board_size"])
    to_play = BLACK if data["to_play"] == "black" else WHITE
    stones = data["position"]
    position = GoPosition.from_stones(size, stones["black"], stones["white"], to_play=to_play)
    values = table_values(data)
    stderr = np.array([np.nan if v is None else v for v in data["stderr"]], dtype=np.float64)
    pass_action = size * size
    legal = ~np.isnan(values)
    if (legal & ~position.legal_mask()).any():
        raise ValueError(f"{table_path(table)}: values given to illegal moves")
    best = best_moves(values, mode_tolerance)
    actions = np.arange(pass_action + 1)
    played = np.where(legal, actions, pass_action)
    after = tuple(position.play(int(a)) for a in played)
    names = np.array([point_name(int(a), size) for a in actions], dtype=object)
    return Opening(
        size=size,
        komi=float(data["komi"]),
        max_moves=int(data["max_moves"]),
        position=position,
        values=_read_only(values),
        stderr=_read_only(stderr),
        best=_read_only(best),
        played=_read_only(played),
        illegal=_read_only(~legal),
        value=_read_only(values[played]),
        point=_read_only(names),
        mode=_read_only(np.where(best[played], names[played], None)),
        between=_read_only(averaging_region(point_coordinates(size), best)),
        after=after,
        observation=_read_only(planes(position)),
        after_observation=_read_only(np.stack([planes(p) for p in after])),
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def playout_rewards(
    opening: Opening, actions: np.ndarray, generators: list[np.random.Generator]
) -> np.ndarray:
    """One fresh playout after each chosen action, seeded from its generator: the final margin
    in points for the agent."""
    sign = 1.0 if opening.colour == BLACK else -1.0
    margins = np.empty(len(actions))
    for i, (action, rng) in enumerate(zip(actions, generators, strict=True)):
        seed = int(rng.integers(2**32))
        margins[i] = playouts(opening.after[action], 1, seed, opening.komi, opening.max_moves)[0]
    return sign * margins


def _symmetry_name(size: int, image: np.ndarray) -> str:
    """Name a symmetry of the board by where it sends the points right of and above A1."""
    right, up = image[1], image[size]
    vectors = {
        (1, size): "identity",
        (-size, 1): "rotate 90 clockwise",
        (-1, -size): "rotate 180",
        (size, -1): "rotate 90 counterclockwise",
        (-1, size): "mirror left-right",
        (1, -size): "mirror top-bottom",
        (size, 1): "mirror in the A1 diagonal",
        (-size, -1): "mirror in the other diagonal",
    }
    origin = image[0]
    return vectors[(int(right - origin), int(up - origin))]


def board_symmetries(size: int) -> tuple[Symmetry, ...]:
    """The 8 symmetries of the square: observation planes and action indices (pass fixed)."""
    result = []
    for image in symmetry_maps(size):
        points = image[: size * size]

        def observation(obs: np.ndarray, points: np.ndarray = points) -> np.ndarray:
            flat = np.asarray(obs).reshape(*np.shape(obs)[:-2], size * size)
            out = np.empty_like(flat)
            out[..., points] = flat
            return out.reshape(np.shape(obs))

        def action(a: Any, image: np.ndarray = image) -> Any:
            return image[np.asarray(a)]

        result.append(Symmetry(_symmetry_name(size, image), observation, action))
    return tuple(result)


def averaging_region(coordinates: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Per action: whether its point is nearer the mean of the best moves' points than every best
    move's (pass, which has no point, never is)."""
    mean = coordinates[best].mean(axis=0)
    to_mean = np.linalg.norm(coordinates - mean, axis=1)
    to_best = np.linalg.norm(coordinates[:, None, :] - coordinates[None, best, :], axis=2).min(axis=1)
    return np.nan_to_num(to_mean, nan=np.inf) < np.nan_to_num(to_best, nan=-np.inf)


def point_coordinates(size: int) -> np.ndarray:
    """(x, y) of every action: columns and rows scaled to [-1, 1], centre (0, 0); pass is nan."""
    scale = np.linspace(-1.0, 1.0, size)
    coordinates = np.full((size * size + 1, 2), np.nan)
    coordinates[:-1, 0] = np.tile(scale, size)
    coordinates[:-1, 1] = np.repeat(scale, size)
    return coordinates


def check_start(opening: Opening, observation: Any) -> None:
    """Raise ValueError unless the observation describes the opening's start position."""
    if not np.array_equal(np.asarray(observation, dtype=np.float32), opening.observation):
        raise ValueError(
            "this GoOpening environment starts from its table's position only; "
            "options['observation'] describes another position"
        )


class GoOpeningEnv(gym.Env):
    """One move of small-board Go from a fixed position, rewarded by its value in real play.

    ## Description

    A one-step choice. The agent is the player to move in a fixed Go position and plays one
    move; the reward is that move's value, the expected final score margin in points from
    random playouts (Tromp-Taylor area scoring, suicide illegal, simple ko, komi), read from a
    table made by `rlnoise go-values` and shipped with the package (`envs/go/tables/`, which
    record the command, seed, playouts per move and standard errors).

    The main position, `GoOpening-v0`, is 7x7 with Black's stone on the centre point (tengen)
    and White to reply, komi 9. The position keeps all 8 symmetries of the square, so the best
    replies are symmetric about the centre and their average is the centre point, which is
    occupied: a policy that averages the good answers passes. On the empty board
    (`GoFirstMoveControl-v0`), the centre is itself among the best first moves, so averaging
    there does no harm: it is the control experiment.

    The best sets (the moves within `mode_tolerance = 0.5` points of the best) of the
    registered variants, with their values in points for the player to move:

    - `GoOpening-v0` (7x7, Black on D4, White to play, komi 9; table `go7_tengen_komi9`): best
      D3 C4 E4 D5 +6.73; C3 E3 C5 E5 +6.57; next D2 +5.72; pass -0.77 (standard errors <= 0.03).
    - `GoOpening5x5-v0` (5x5, Black on C3, White to play, komi 25; table `go5_tengen_komi25`):
      best C2 B3 D3 C4 +22.03; next B2 +21.41; pass +15.29 (standard errors <= 0.03).
    - `GoOpening9x9-v0` (9x9, Black on E5, White to play, komi 7; table `go9_tengen_komi7`):
      best E4 D5 F5 E6 +4.75; D4 F4 D6 F6 +4.73; D3 F3 C4 G4 C6 G6 D7 F7 +4.56; E3 C5 G5 E7
      +4.50; C3 G3 C7 G7 +4.26; next E2 +3.93; pass -1.65 (standard errors <= 0.07).
    - `GoFirstMoveControl-v0` (7x7, empty board, Black to play, komi 9; table
      `go7_empty_komi9`): best D4 -3.50; D3 C4 E4 D5 -3.65; C3 E3 C5 E5 -3.91; next D2 -4.61;
      pass -11.24 (standard errors <= 0.05).

    The values are those of random play, not of perfect play: on 9x9 the inner points are
    statistically tied (24 best moves), and on 5x5 White ends ahead even at komi 25, the
    perfect-play margin of Black's centre opening.

    ## Action Space

    `Discrete(N * N + 1)`: action `a = row * N + col` plays the point in column `col` (A, B, ...,
    no I) and row `row + 1` counted from the bottom; `N * N` passes. An illegal move (an occupied
    point) is played as a pass and flagged in `info["illegal"]`.

    `action_coordinates` gives each point its `(x, y)`, the column and the row scaled to
    `[-1, 1]` (centre `(0, 0)`, corners `(+-1, +-1)`), and pass `(nan, nan)`: an agent that
    outputs a continuous point plays the nearest point. On this scale the regression agent's
    default exploration noise (`sigma = 1`, three points on 7x7) smooths the table's values into
    one peak on the centre, so it learns to play the centre; with `sigma` about one point
    spacing (0.33 on 7x7) the smoothed values peak on the best replies instead.

    ## Observation Space

    `Box(0, 1, (3, N, N), float32)`: feature planes of the stones of the player to move, the
    opponent's stones and the empty points; `obs[k, row, col]`, row 0 the bottom row (Go row 1).
    After the move (the terminal observation) the player to move is the opponent.

    ## Rewards

    `reward_source="table"` (default): the table's value of the move played, in points for the
    agent (positive: the agent's colour wins by that much on average). `reward_source="playout"`:
    the final margin, in points for the agent, of one fresh random playout after the move,
    seeded from `self.np_random`: a real, noisy reward (standard deviation about 30 points on
    7x7) whose mean is the table's value.

    ## Starting State

    Always the table's position. `reset(options={"observation": obs})` accepts the observation
    of that position (every symmetry of the square maps it to itself) and raises `ValueError`
    for any other.

    ## Episode End

    After one move: `terminated=True`. `info["point"]` is the name of the chosen point (`"D3"`,
    or `"pass"`), `info["illegal"]` whether it was illegal and played as a pass, and
    `info["mode"]` the name of the move played when it is among the best moves, else `None`.
    `info["between"]` is whether the chosen point is nearer the mean of the best moves (in
    action coordinates) than every best move: the averaging region. On `GoOpening-v0` that is
    the occupied centre point alone; on `GoFirstMoveControl-v0`, whose best move is the centre,
    no point.

    ## Declarations (rlnoise contract)

    - `mode_labels`: the names of the best moves, those within `mode_tolerance` points of the
      best value (see the best sets above).
    - `symmetries`: the 8 symmetries of the square (observation planes and point indices
      transformed, pass fixed).
    - `action_coordinates`: as above.
    - `expert(observations, rng)`: plays a best move drawn at random.
    - `landmarks(observation)`: the Black and the White stones, in action coordinates.

    ## Arguments

    - `table`: a shipped table's name (e.g. `"go7_tengen_komi9"`) or the path of a JSON file
      written by `rlnoise go-values`; it fixes the board size, the position, the komi and the
      playouts' move limit.
    - `reward_source`: `"table"` or `"playout"`.
    - `mode_tolerance`: points below the best value a move may be and still count as best
      (default 0.5).
    - `render_mode`: `"ansi"` (the board as text, with coordinates) or `"rgb_array"` (an image).

    ## Version History

    - v0: initial version (values of the tables shipped with rlnoise 0.1); its `reward_source`
      keyword was called `reward_mode` before rlnoise gave "mode" to the good answers alone.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 1}

    def __init__(
        self,
        table: str | Path = "go7_tengen_komi9",
        reward_source: str = "table",
        mode_tolerance: float = 0.5,
        render_mode: str | None = None,
    ):
        if reward_source not in REWARD_SOURCES:
            valid = ", ".join(REWARD_SOURCES)
            raise ValueError(f"reward_source must be one of {valid}, got {reward_source!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None, 'ansi' or 'rgb_array', got {render_mode!r}")
        self.table, self.tolerance = table, mode_tolerance
        self.reward_source = reward_source
        self.render_mode = render_mode
        size = int(read_table(table)["board_size"])
        self.observation_space = spaces.Box(0.0, 1.0, (3, size, size), np.float32)
        self.action_space = spaces.Discrete(size * size + 1)
        self.mode_labels = best_labels(table, mode_tolerance)
        self.symmetries = board_symmetries(size)
        self.action_coordinates = point_coordinates(size)
        self.last_action: int | None = None

    @property
    def opening(self) -> Opening:
        """The position and every move's outcome, computed on first use (making the env, as
        `rlnoise envs` does, compiles no Go engine)."""
        return load_opening(self.table, self.tolerance)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start from the table's position (the only one; see Starting State)."""
        super().reset(seed=seed)
        if options is not None and "observation" in options:
            check_start(self.opening, options["observation"])
        self.last_action = None
        return self.opening.observation.copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Play the move, score it, and end the episode."""
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an integer in [0, {self.action_space.n}), got {action!r}")
        a = self.last_action = int(action)
        opening = self.opening
        if self.reward_source == "table":
            reward = float(opening.value[a])
        else:
            reward = float(playout_rewards(opening, np.array([a]), [self.np_random])[0])
        info = {
            "point": opening.point[a],
            "illegal": bool(opening.illegal[a]),
            "mode": opening.mode[a],
            "between": bool(opening.between[a]),
        }
        return opening.after_observation[a].copy(), reward, True, False, info

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A best move of the table, drawn at random, for each observation (all are the table's start)."""
        return rng.choice(np.flatnonzero(self.opening.best), size=len(observations))

    def landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The stones of a start observation (the agent to move) in action coordinates, Black first."""
        stones = np.asarray(observation).reshape(3, -1)[:2] > 0.5
        black = 0 if self.opening.colour == BLACK else 1
        return {
            "Black stones": self.action_coordinates[np.flatnonzero(stones[black])],
            "White stones": self.action_coordinates[np.flatnonzero(stones[1 - black])],
        }

    def render(self) -> str | np.ndarray | None:
        """Draw the board, with the agent's move once played, as text or as an image."""
        if self.render_mode == "ansi":
            return render_ansi(self.opening, self.last_action)
        if self.render_mode == "rgb_array":
            return render_rgb(self.opening, self.last_action)
        return None


def render_ansi(opening: Opening, action: int | None) -> str:
    """The board as text, X Black, O White, the last move in parentheses, with coordinates."""
    size, position = opening.size, opening.position
    if action is not None:
        position = opening.after[action]
    last = None if action is None else int(opening.played[action])
    columns = "   " + " ".join(point_name(col, size)[0] for col in range(size))
    lines = [columns]
    for row in range(size - 1, -1, -1):
        chars = [" "] * (2 * size + 1)
        chars[1::2] = [".XO"[value] for value in position.board[row * size : (row + 1) * size]]
        if last is not None and last // size == row:
            chars[2 * (last % size)], chars[2 * (last % size) + 2] = "(", ")"
        lines.append(f"{row + 1:2d}{''.join(chars)}{row + 1}")
    lines.append(columns)
    mover = COLOUR_NAMES[opening.colour]
    if action is None:
        lines.append(f"{mover} to play, komi {opening.komi:g}")
    elif opening.illegal[action]:
        lines.append(f"{mover} chose {opening.point[action]}, illegal: played as a pass")
    elif action == size * size:
        lines.append(f"{mover} passed")
    else:
        lines.append(f"{mover} played {opening.point[action]}")
    return "\n".join(lines) + "\n"


WOOD = np.array((220, 179, 92), dtype=np.uint8)
LINE = np.array((60, 40, 20), dtype=np.uint8)
STONES = {BLACK: np.array((25, 25, 25), dtype=np.uint8), WHITE: np.array((240, 240, 235), dtype=np.uint8)}
MARK = np.array((210, 40, 40), dtype=np.uint8)


def render_rgb(opening: Opening, action: int | None, cell: int = 32) -> np.ndarray:
    """The board as an `[H, W, 3]` uint8 image: wood, grid lines, stones, the last move marked."""
    size, position = opening.size, opening.position
    if action is not None:
        position = opening.after[action]
    side = (size + 1) * cell
    image = np.empty((side, side, 3), dtype=np.uint8)
    image[:] = WOOD
    lo, hi = cell, size * cell
    for k in range(size):
        line = cell + k * cell
        image[line - 1 : line + 1, lo : hi + 1] = LINE
        image[lo : hi + 1, line - 1 : line + 1] = LINE
    ys, xs = np.mgrid[0:side, 0:side]
    for a in np.flatnonzero(position.board):
        y, x = (size - a // size) * cell, (a % size + 1) * cell
        distance = np.hypot(ys - y, xs - x)
        image[distance <= 0.45 * cell] = LINE
        image[distance <= 0.45 * cell - 1.5] = STONES[int(position.board[a])]
    if action is not None and not opening.illegal[action] and action < size * size:
        y, x = (size - action // size) * cell, (action % size + 1) * cell
        image[np.hypot(ys - y, xs - x) <= 0.15 * cell] = MARK
    return image


class GoOpeningVectorEnv(VectorEnv):
    """`num_envs` GoOpening episodes stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    Every step ends every episode: the returned observations are the start position again,
    and `infos["final_obs"]`, `infos["final_info"]` (`point`, `illegal`, `mode`, `between`, each with its
    `_` mask) hold the finished episodes', as gymnasium's `SyncVectorEnv` with
    `autoreset_mode=SAME_STEP` returns them, except that `final_obs` is one
    `(num_envs, 3, N, N)` array rather than an object array of rows (`[i]` indexes both alike).
    In playout mode each environment draws its playout
    seeds from its own generator, seeded as `SyncVectorEnv` seeds its copies (`seed + i` for
    an integer seed, one seed each for a list), so it equals the single environment seed for
    seed.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        table: str = "go7_tengen_komi9",
        reward_source: str = "table",
        mode_tolerance: float = 0.5,
    ):
        single = GoOpeningEnv(table, reward_source, mode_tolerance)
        self.num_envs = num_envs
        self.opening = single.opening
        self.reward_source = reward_source
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(single.observation_space, num_envs)
        self.action_space = batch_space(single.action_space, num_envs)
        self.mode_labels = single.mode_labels
        self.symmetries = single.symmetries
        self.action_coordinates = single.action_coordinates
        self.generators: list[np.random.Generator | None] = [None] * num_envs
        self._observations = np.broadcast_to(self.opening.observation, self.observation_space.shape)
        self._all = np.ones(num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start every environment from the position; seed their playout generators."""
        if isinstance(seed, list | tuple):
            if len(seed) != self.num_envs:
                raise ValueError(f"expected {self.num_envs} seeds, got {len(seed)}")
            seeds = list(seed)
        else:
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        seed_vector_env(self, seeds)
        if self.reward_source == "playout":
            self.generators = [
                seeding.np_random(s)[0] if s is not None or rng is None else rng
                for s, rng in zip(seeds, self.generators, strict=True)
            ]
        if options is not None and "observation" in options:
            for observation in np.broadcast_to(options["observation"], self.observation_space.shape):
                check_start(self.opening, observation)
        return self._observations.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Play every move, score it, and start again from the position."""
        actions = np.asarray(actions).reshape(-1).astype(np.int64)
        if (
            actions.shape != (self.num_envs,)
            or actions.min() < 0
            or actions.max() >= self.single_action_space.n
        ):
            raise ValueError(f"expected {self.num_envs} actions in [0, {self.single_action_space.n})")
        opening = self.opening
        if self.reward_source == "table":
            rewards = opening.value[actions]
        else:
            rewards = playout_rewards(opening, actions, self.generators)
        final_obs = opening.after_observation[actions]
        final_info = {
            "point": opening.point[actions],
            "_point": self._all,
            "illegal": opening.illegal[actions],
            "_illegal": self._all,
            "mode": opening.mode[actions],
            "_mode": self._all,
            "between": opening.between[actions],
            "_between": self._all,
        }
        infos = {
            "final_obs": final_obs,
            "_final_obs": self._all,
            "final_info": final_info,
            "_final_info": self._all,
        }
        terminated = self._all.copy()
        return self._observations.copy(), rewards.astype(np.float64), terminated, ~terminated, infos
