"""Buridan's donkey: a one-step choice between two bales of hay."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import Symmetry, Theory, draw_starts
from rlnoise.metrics import context_figures, outcome

ACTION_LIMIT = 2.0
CENTER_RANGE = (-0.5, 0.5)
HALF_GAP_RANGE = (0.4, 0.8)
MODE_THRESHOLD = 0.5


def _range(fixed: float | None, default: tuple[float, float]) -> tuple[float, float]:
    return default if fixed is None else (fixed, fixed)


def _check_scene(center: tuple[float, float], half_gap: tuple[float, float], width: float):
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    if half_gap[0] <= 0:
        raise ValueError(f"half_gap must be > 0, got {half_gap[0]}")
    if center[0] - half_gap[1] < -ACTION_LIMIT or center[1] + half_gap[1] > ACTION_LIMIT:
        raise ValueError(f"both bales must lie within [-{ACTION_LIMIT}, {ACTION_LIMIT}]")


Range = tuple[float, float]


def _draw_scene(rng: np.random.Generator, size: int | None, center: Range, half_gap: Range) -> np.ndarray:
    """`size` scenes `[c, d]` (one when `size` is None), drawn alike by the single and the vector env."""
    centers = rng.uniform(*center, size=size)  # drawn first, then the half-gaps
    return np.stack([centers, rng.uniform(*half_gap, size=size)], axis=-1).astype(np.float32)


def _hay(
    center: np.ndarray, half_gap: np.ndarray, position: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray]:
    """The hay from the left and the right bale at `position` (Gaussian bumps of height 1); a width
    beyond float32's range (1e-320, 1e308) gives the bumps' limits, 0 and 1, without a warning."""
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        left = np.exp(-0.5 * ((position - (center - half_gap)) / width) ** 2)
        right = np.exp(-0.5 * ((position - (center + half_gap)) / width) ** 2)
    return left, right


def _modes(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """`"left"`, `"right"` or `None` per episode: the bale whose bump gives at least 0.5."""
    labels = np.array(["left", "right", None], dtype=object)
    index = np.where(left >= right, 0, 1)
    return labels[np.where(np.maximum(left, right) >= MODE_THRESHOLD, index, 2)]


def _between(center: np.ndarray, half_gap: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Whether each donkey stopped closer to the midpoint `c` than to either bale."""
    to_nearest_bale = np.abs(np.abs(position - center) - half_gap)
    return np.abs(position - center) < to_nearest_bale


def smoothed_hay(
    position: np.ndarray, sigma: float, center: float, half_gap: float, width: float
) -> np.ndarray:
    """The hay expected at `position` when the donkey walks to `position + N(0, sigma^2)`: the
    reward is the larger bump, which is the nearer bale's, so each bale's Gaussian bump counts on
    its own side of the midpoint, and each such half-line integral has a closed form."""
    from scipy.special import ndtr

    position = np.asarray(position, dtype=np.float64)
    if sigma == 0:
        return np.maximum(*_hay(center, half_gap, position, width))
    spread = width**2 + sigma**2
    total = np.zeros_like(position)
    for side in (-1.0, 1.0):
        bale = center + side * half_gap
        mean = (bale * sigma**2 + position * width**2) / spread  # of the bump times the noise
        std = width * sigma / np.sqrt(spread)
        on_its_side = ndtr(side * (mean - center) / std)
        total += width / np.sqrt(spread) * np.exp(-((position - bale) ** 2) / (2 * spread)) * on_its_side
    return total


OPTIMUM_POINTS = 4001
"""Positions between the midpoint and past the right bale at which the smoothed optimum is sought."""


def smoothed_optimum(sigma: float, center: float, half_gap: float, width: float) -> float:
    """Where the noise-smoothed hay is largest, `x*(sigma)`, on the right of the midpoint (the left
    optimum is its mirror): at the bale without noise, at the midpoint with much of it."""
    positions = np.linspace(center, center + half_gap + 4 * width, OPTIMUM_POINTS)
    return float(positions[np.argmax(smoothed_hay(positions, sigma, center, half_gap, width))])


def _predicted_outcome(env: TwoBalesEnv, observation: np.ndarray, settings: dict[str, Any]) -> str:
    """The regressor's deterministic outcome in a scene: its point at the smoothed optimum
    `x*(sigma)`, labelled by the rule evaluation uses (`rlnoise.metrics.outcome`): averaged when
    nearer the midpoint than `d / 2`, committed when a bump gives at least 0.5 there, else diffuse.

    Training a point against Gaussian exploration noise maximises the smoothed hay, so the point
    sits at its optimum. `sqrt(d^2 - w^2)` (0.592 at `d = 0.6`, `w = 0.1`) is where the midpoint
    becomes the maximum of the smoothed *sum* of the bumps; the reward is their larger one, whose
    optimum crosses `d / 2` earlier (0.564) after a band where it lies between `d / 2` and the
    bale's reach (diffuse).
    """
    center, half_gap = float(observation[0]), float(observation[1])
    point = np.array([smoothed_optimum(float(settings["sigma"]), center, half_gap, env.width)])
    left, right = _hay(np.array([center]), np.array([half_gap]), point, env.width)
    between = _between(np.array([center]), np.array([half_gap]), point)
    return outcome(context_figures(list(_modes(left, right)), env.mode_labels, [bool(between[0])]))


def _distance_from_midpoint(observation: np.ndarray, action: np.ndarray) -> float:
    """The point's distance from the midpoint in half gaps: 0 averaged, 1 on a bale."""
    return abs(float(action[0]) - float(observation[0])) / float(observation[1])


def _predicted_distance(env: TwoBalesEnv, observation: np.ndarray, settings: dict[str, Any]) -> float:
    """`|x*(sigma) - c| / d`: where theory puts the regressor's point, in half gaps."""
    center, half_gap = float(observation[0]), float(observation[1])
    return (smoothed_optimum(float(settings["sigma"]), center, half_gap, env.width) - center) / half_gap


def _mirror_observation(observation: np.ndarray) -> np.ndarray:
    return np.array([-observation[0], observation[1]], dtype=np.float32)


def _mirror_action(action: np.ndarray) -> np.ndarray:
    return -np.asarray(action, dtype=np.float32)


class TwoBalesEnv(gym.Env):
    """Buridan's donkey: two bales of hay, one walk, and starvation exactly in between.

    ## Description

    Two bales of hay lie on a line at `c - d` and `c + d`; the donkey stands at their midpoint
    `c`. It chooses where to walk, once. Either bale feeds it fully; the midpoint, the average
    of the two good answers, starves it. A policy that outputs one point per scene and is
    trained to maximise the hay is pulled towards that midpoint; one that outputs a
    distribution can go to both.

    ## Action Space

    `Box(-2, 2, (1,), float32)`: the position the donkey walks to.

    ## Observation Space

    `Box(float32, (2,))`: `[c, d]`, the centre of the scene and the half-gap between the bales.

    ## Rewards

    The hay reached, `max` over the two bales of a Gaussian bump of height 1 and standard
    deviation `width`: `max(exp(-(a - (c - d))^2 / (2 width^2)), exp(-(a - (c + d))^2 /
    (2 width^2)))`. It is 1 at a bale and about 0 at the midpoint.

    ## Starting State

    `c ~ U[-0.5, 0.5]` and `d ~ U[0.4, 0.8]`, drawn from `self.np_random`, unless fixed by the
    arguments; `reset(options={"observation": [c, d]})` starts from a given scene.

    ## Episode End

    After one step: `terminated=True`. `info["mode"]` is `"left"` or `"right"` when that
    bale's bump gives at least 0.5 (the larger one if both do), else `None`. `info["between"]`
    is whether the donkey stopped closer to the midpoint `c` than to either bale
    (`|a - c| < d / 2`): the averaging region.

    ## Declarations (rlnoise contract)

    - `mode_labels`: `("left", "right")`.
    - `symmetries`: the mirror `c -> -c`, `a -> -a`.
    - `expert(observations, rng)`: walks to a bale drawn at random.
    - `observation_names`: `("c", "d")`.
    - `landmarks(observation)`: the two bales, `{"bales": [[c - d], [c + d]]}`.
    - `theories`: the regression agent, evaluated deterministically, plays the optimum `x*(sigma)`
      of the hay smoothed by its exploration noise (`smoothed_hay`, in closed form), labelled as
      evaluation labels it: committed while a bump there gives at least 0.5, diffuse in a band
      after, averaged once `|x* - c| < d / 2` (from `sigma = 0.564` at `d = 0.6`, `w = 0.1`).

    ## Arguments

    - `center`: fix `c` (default: drawn per episode).
    - `half_gap`: fix `d` (default: drawn per episode).
    - `width`: the standard deviation of each bump (default 0.1).
    - `render_mode`: `"ansi"` or `"rgb_array"`.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    mode_labels = ("left", "right")
    observation_names = ("c", "d")
    symmetries = (Symmetry("mirror", _mirror_observation, _mirror_action),)
    theories = (
        Theory(
            agent="regression",
            play="deterministic",
            outcome="averaged",
            statement="the point at the noise-smoothed optimum x*(sigma): averaged once x* < d/2",
            predict=_predicted_outcome,
            scene=("half gap d", lambda observation: float(observation[1])),
            order=("|point - c| / d", _distance_from_midpoint, _predicted_distance),
        ),
    )

    def __init__(
        self,
        center: float | None = None,
        half_gap: float | None = None,
        width: float = 0.1,
        render_mode: str | None = None,
    ):
        self.center_range = _range(center, CENTER_RANGE)
        self.half_gap_range = _range(half_gap, HALF_GAP_RANGE)
        _check_scene(self.center_range, self.half_gap_range, width)
        self.width = width
        self.render_mode = render_mode
        self.observation_space = spaces.Box(
            low=np.array([self.center_range[0], self.half_gap_range[0]], dtype=np.float32),
            high=np.array([self.center_range[1], self.half_gap_range[1]], dtype=np.float32),
        )
        self.action_space = spaces.Box(-ACTION_LIMIT, ACTION_LIMIT, shape=(1,), dtype=np.float32)
        self.scene = np.zeros(2, dtype=np.float32)
        self.position: float | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new scene: draw `[c, d]`, or take `options["observation"]`."""
        super().reset(seed=seed)
        if options is not None and "observation" in options:
            self.scene = np.asarray(options["observation"], dtype=np.float32).copy()
        else:
            self.scene = _draw_scene(self.np_random, None, self.center_range, self.half_gap_range)
        self.position = None
        return self.scene.copy(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Walk to `action[0]`, eat, and end the episode."""
        self.position = float(np.clip(np.asarray(action).reshape(-1)[0], -2.0, 2.0))
        left, right = _hay(self.scene[0], self.scene[1], np.float32(self.position), self.width)
        reward = float(max(left, right))
        mode = _modes(np.atleast_1d(left), np.atleast_1d(right))[0]
        between = bool(_between(self.scene[0], self.scene[1], np.float32(self.position)))
        return self.scene.copy(), reward, True, False, {"mode": mode, "between": between}

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A bale at random for each scene `[c, d]` of the batch: the action `c - d` or `c + d`."""
        scenes = np.asarray(observations, dtype=np.float32).reshape(-1, 2)
        sides = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=len(scenes))
        return (scenes[:, 0] + sides * scenes[:, 1])[:, None]

    def landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The positions of the two bales in the scene `observation` describes."""
        center, half_gap = float(observation[0]), float(observation[1])
        return {"bales": np.array([[center - half_gap], [center + half_gap]])}

    def render(self) -> str | np.ndarray | None:
        """Draw the line, the bales (`H`) and the donkey (`D`) as text or as an image."""
        if self.render_mode == "ansi":
            return _render_ansi(self.scene, self.position)
        if self.render_mode == "rgb_array":
            return _render_rgb(self.scene, self.position)
        return None


def _to_column(position: float, columns: int) -> int:
    fraction = (position + ACTION_LIMIT) / (2 * ACTION_LIMIT)
    return int(np.clip(round(fraction * (columns - 1)), 0, columns - 1))


def _render_ansi(scene: np.ndarray, position: float | None, columns: int = 81) -> str:
    line = ["-"] * columns
    for bale in (scene[0] - scene[1], scene[0] + scene[1]):
        line[_to_column(bale, columns)] = "H"
    if position is not None:
        line[_to_column(position, columns)] = "D"
    return f"{''.join(line)}\n-2{' ' * (columns - 3)}2\n"


def _render_rgb(scene: np.ndarray, position: float | None) -> np.ndarray:
    height, width = 60, 400
    image = np.full((height, width, 3), (235, 225, 200), dtype=np.uint8)
    image[height // 2, :] = (120, 120, 120)
    for bale in (scene[0] - scene[1], scene[0] + scene[1]):
        column = _to_column(bale, width)
        image[15:45, max(column - 6, 0) : column + 7] = (214, 170, 40)
    if position is not None:
        column = _to_column(position, width)
        image[22:38, max(column - 4, 0) : column + 5] = (110, 70, 40)
    return image


class TwoBalesVectorEnv(VectorEnv):
    """`num_envs` TwoBales scenes stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    Every step ends every episode: the returned observations are the next scenes, and
    `infos["final_info"]["mode"]` and `["between"]` hold the finished episodes' modes and
    averaging flags, as gymnasium's `SyncVectorEnv` with `autoreset_mode=SAME_STEP` would
    return them. `infos["final_obs"]`
    holds the finished scenes as one `(num_envs, 2)` array rather than an object array of
    rows (indexing `[i]` gives the same row; building 1024 row objects would halve the speed).
    Resetting with a list of seeds draws each scene exactly as `TwoBalesEnv.reset(seed=s)` does.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        center: float | None = None,
        half_gap: float | None = None,
        width: float = 0.1,
    ):
        self.num_envs = num_envs
        self.center_range = _range(center, CENTER_RANGE)
        self.half_gap_range = _range(half_gap, HALF_GAP_RANGE)
        _check_scene(self.center_range, self.half_gap_range, width)
        self.width = width
        single = TwoBalesEnv(center=center, half_gap=half_gap, width=width)
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(single.observation_space, num_envs)
        self.action_space = batch_space(single.action_space, num_envs)
        self.scenes = np.zeros((num_envs, 2), dtype=np.float32)
        self._all = np.ones(num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw new scenes: from one generator, or per environment for a list of seeds."""
        draw = partial(_draw_scene, center=self.center_range, half_gap=self.half_gap_range)
        self.scenes = draw_starts(self, seed, draw)
        if options is not None and "observation" in options:
            self.scenes = np.broadcast_to(options["observation"], self.scenes.shape).copy()
        return self.scenes.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Walk every donkey, score the hay, and draw the next scenes."""
        positions = np.clip(np.asarray(actions, dtype=np.float32).reshape(-1), -2.0, 2.0)
        left, right = _hay(self.scenes[:, 0], self.scenes[:, 1], positions, self.width)
        rewards = np.maximum(left, right).astype(np.float64)
        final_info = {
            "mode": _modes(left, right),
            "_mode": self._all,
            "between": _between(self.scenes[:, 0], self.scenes[:, 1], positions),
            "_between": self._all,
        }
        final_obs = self.scenes
        self.scenes = _draw_scene(self.np_random, self.num_envs, self.center_range, self.half_gap_range)
        infos = {
            "final_obs": final_obs,
            "_final_obs": self._all,
            "final_info": final_info,
            "_final_info": self._all,
        }
        terminated = self._all.copy()
        return self.scenes.copy(), rewards, terminated, ~terminated, infos
