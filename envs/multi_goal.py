"""The multi-goal environment of Haarnoja et al. 2017: a point mass and four equally good goals."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import Symmetry, draw_starts

GOALS = np.array([[5, 0], [0, 5], [-5, 0], [0, -5]], dtype=np.float32)
LABELS = ("east", "north", "west", "south")
GOAL_RADIUS = 1.0
BOUND = 7.0
SPEED = 1.0
EXPERT_MARGIN = 0.5
"""How much nearer one goal must be than the others for the expert to keep heading for it."""
SQUARE = {
    "identity": ((1, 0), (0, 1)),
    "rotate-90": ((0, -1), (1, 0)),
    "rotate-180": ((-1, 0), (0, -1)),
    "rotate-270": ((0, 1), (-1, 0)),
    "mirror-x": ((-1, 0), (0, 1)),
    "mirror-y": ((1, 0), (0, -1)),
    "mirror-diagonal": ((0, 1), (1, 0)),
    "mirror-antidiagonal": ((0, -1), (-1, 0)),
}


def _transform(matrix: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Points or velocities (the last axis holds x, y) mapped by a symmetry of the square."""
    return (np.asarray(vectors, dtype=np.float32) @ matrix.T).astype(np.float32)


def _symmetry(name: str) -> Symmetry:
    mapping = partial(_transform, np.array(SQUARE[name], dtype=np.float32))
    return Symmetry(name, mapping, mapping)


def _draw_start(rng: np.random.Generator, size: int | None, sigma: float) -> np.ndarray:
    """`size` start positions near the origin, or one when `size` is None."""
    shape = (2,) if size is None else (size, 2)
    return np.clip(sigma * rng.normal(size=shape), -BOUND, BOUND).astype(np.float32)


def _move(
    positions: np.ndarray, actions: np.ndarray, goal_reward: float, action_cost: float, distance_cost: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step for a batch: the new positions, rewards, whether a goal was reached, which, and
    whether the new position is nearer the origin (the goals' average) than every goal.

    The reward is the paper's: `-action_cost |a|^2 - distance_cost min_g |p' - g|^2`, plus
    `goal_reward` when the new position `p'` lies within `GOAL_RADIUS` of a goal.
    """
    velocities = np.clip(np.asarray(actions, dtype=np.float32).reshape(positions.shape), -SPEED, SPEED)
    moved = np.clip(positions + velocities, -BOUND, BOUND).astype(np.float32)
    squared = ((moved[:, None, :] - GOALS[None, :, :]) ** 2).sum(axis=-1)
    nearest = squared.argmin(axis=1)
    closest = squared.min(axis=1).astype(np.float64)
    reached = np.sqrt(closest) < GOAL_RADIUS
    rewards = (
        -action_cost * (velocities.astype(np.float64) ** 2).sum(axis=1)
        - distance_cost * closest
        + goal_reward * reached
    )
    between = (moved.astype(np.float64) ** 2).sum(axis=1) < closest
    return moved, rewards, reached, nearest, between


def _modes(reached: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """The label of the goal reached, or `None`, per episode."""
    labels = np.array([*LABELS, None], dtype=object)
    return labels[np.where(reached, nearest, len(LABELS))]


def _check_arguments(init_sigma: float, max_episode_steps: int | None) -> None:
    if init_sigma < 0:
        raise ValueError(f"init_sigma must be >= 0, got {init_sigma}")
    if max_episode_steps is not None and max_episode_steps < 1:
        raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps}")


class MultiGoalEnv(gym.Env):
    """A point mass in the plane and four goals: every goal is a good answer, their average is not.

    ## Description

    The multi-goal environment of Haarnoja et al. 2017 ("Reinforcement Learning with Deep
    Energy-Based Policies", section 5.1, and `softqlearning/environments/multigoal.py` in the
    authors' code). The agent starts near the origin and steers a point mass by its velocity.
    Four goals lie at `(5, 0)`, `(0, 5)`, `(-5, 0)` and `(0, -5)`, symmetric about the start,
    so the four directions are equally good and their average, standing still, is the worst.
    In the paper DDPG commits to one goal and soft Q-learning reaches all four.

    ## Action Space

    `Box(-1, 1, (2,), float32)`: the velocity `(vx, vy)`; values outside are clipped.

    ## Observation Space

    `Box(-7, 7, (2,), float32)`: the position `(x, y)`.

    ## Rewards

    As in the paper's code, for the velocity `a` and the new position `p`:
    `-action_cost_coeff * |a|^2 - distance_cost_coeff * min_g |p - g|^2`, plus `goal_reward`
    on the step that reaches a goal. (The code penalises the *squared* distance to the nearest
    goal.) Standing still at the origin costs 25 per step (-750 over an episode); walking
    straight to a goal at full speed returns -170, at a steady 0.6 about -123.

    ## Starting State

    `(x, y) ~ N(0, init_sigma^2)` per coordinate, from `self.np_random`, clipped to the box;
    `reset(options={"observation": [x, y]})` starts from a given position.

    ## Episode End

    - Termination: the position comes within 1.0 of a goal. `info["mode"]` names it:
      `"east"`, `"north"`, `"west"` or `"south"`; on every other step it is `None`.
      `info["between"]`, on every step, is whether the point is nearer the origin (the average
      of the goals) than every goal: at the episode's end, the averaging region.
    - Truncation: after 30 steps (`max_episode_steps` of the registration), as in the
      paper's experiment (`max_path_length=30`).

    ## Declarations (rlnoise contract)

    - `mode_labels`: `("east", "north", "west", "south")`.
    - `symmetries`: the 8 symmetries of the square (rotations by multiples of 90 degrees and
      the mirrors in the axes and the diagonals), applied alike to positions and velocities.
    - `observation_names`: `("x", "y")`.
    - `landmarks(observation)`: the velocity that heads straight for each goal from the position
      `observation` at full speed (the good first moves), `{"goal directions": [[vx, vy], ...]}`.
    - `training_defaults`: a categorical agent picks one of 5 x 5 velocities (`--bins 5`:
      41 x 41 = 1681 make each update some 60 times slower); 256 environments of 30-step
      rollouts, 260 updates; `--norm-adv true --ent-coef 0.4`: returns here are in the
      hundreds, and raw advantages that large and noisy drown the entropy bonus, so the
      policy drifts to one goal (the rich get richer); with each batch's advantages
      normalised, the bonus keeps all four goals.
    - `path_landmarks(observation)`: the goals, `{"goals": [[5, 0], [0, 5], [-5, 0], [0, -5]]}`,
      in the plane of the position that the pictures draw paths in (the observation itself).
    - `expert(observations, rng)`: heads at full speed for a goal drawn at random near the
      start, then for the goal it is clearly nearest to (the one it set out for).

    ## Arguments

    - `goal_reward`: the bonus for reaching a goal (default 10).
    - `action_cost_coeff`: the weight of `|a|^2` (default 30).
    - `distance_cost_coeff`: the weight of the squared distance to the nearest goal (default 1).
    - `init_sigma`: the standard deviation of the start position (default 0.1).
    - `render_mode`: `"ansi"` or `"rgb_array"`.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 10}
    mode_labels = LABELS
    observation_names = ("x", "y")
    symmetries = tuple(_symmetry(name) for name in SQUARE)
    training_defaults: ClassVar[dict[str, Any]] = {
        "bins": 5,
        "num_envs": 256,
        "total_timesteps": 2_000_000,
        "learning_rate": 1e-3,
        "ent_coef": 0.4,
        "norm_adv": True,
    }

    def __init__(
        self,
        goal_reward: float = 10.0,
        action_cost_coeff: float = 30.0,
        distance_cost_coeff: float = 1.0,
        init_sigma: float = 0.1,
        render_mode: str | None = None,
    ):
        _check_arguments(init_sigma, None)
        self.costs = (goal_reward, action_cost_coeff, distance_cost_coeff)
        self.init_sigma = init_sigma
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-BOUND, BOUND, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Box(-SPEED, SPEED, shape=(2,), dtype=np.float32)
        self.path = [np.zeros(2, dtype=np.float32)]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start near the origin, or at `options["observation"]`."""
        super().reset(seed=seed)
        if options is not None and "observation" in options:
            start = np.clip(np.asarray(options["observation"], dtype=np.float32), -BOUND, BOUND)
        else:
            start = _draw_start(self.np_random, None, self.init_sigma)
        self.path = [start]
        return start.copy(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move by the velocity `action`, pay its cost and the distance cost, end at a goal."""
        moved, rewards, reached, nearest, between = _move(self.path[-1][None], action, *self.costs)
        self.path.append(moved[0])
        info = {"mode": _modes(reached, nearest)[0], "between": bool(between[0])}
        return moved[0].copy(), float(rewards[0]), bool(reached[0]), False, info

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Full speed towards a goal: the nearest one once it is clearly nearest (by `EXPERT_MARGIN`),
        else, near the start, a goal drawn at random; so each episode heads for one goal."""
        positions = np.asarray(observations, dtype=np.float32).reshape(-1, 2)
        distances = np.linalg.norm(positions[:, None, :] - GOALS[None, :, :], axis=-1)
        nearest, second = np.sort(distances, axis=1)[:, :2].T
        drawn = rng.integers(len(GOALS), size=len(positions))
        goals = np.where(second - nearest > EXPERT_MARGIN, distances.argmin(axis=1), drawn)
        heading = GOALS[goals] - positions
        return (SPEED * heading / np.linalg.norm(heading, axis=1, keepdims=True)).astype(np.float32)

    def landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The full-speed velocities that head straight for each goal from the position `observation`."""
        offsets = GOALS - np.asarray(observation, dtype=np.float32).reshape(1, 2)
        directions = offsets / np.abs(offsets).max(axis=1, keepdims=True)
        return {"goal directions": SPEED * directions}

    def path_landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The goals, in the plane of the position (the observation)."""
        return {"goals": GOALS.copy()}

    def render(self) -> str | np.ndarray | None:
        """Draw the goals and the path so far, as text or as an image."""
        if self.render_mode == "ansi":
            return _render_ansi(np.array(self.path))
        if self.render_mode == "rgb_array":
            return _render_rgb(np.array(self.path))
        return None


def _cells(points: np.ndarray, cells: int) -> np.ndarray:
    """Grid cells `(row, column)` of points, row 0 at the top (largest y)."""
    fraction = (np.asarray(points) + BOUND) / (2 * BOUND)
    index = np.clip(np.round(fraction * (cells - 1)).astype(int), 0, cells - 1)
    return np.stack([cells - 1 - index[:, 1], index[:, 0]], axis=-1)


def _render_ansi(path: np.ndarray, cells: int = 29) -> str:
    grid = [["."] * cells for _ in range(cells)]
    for row, column in _cells(path, cells):
        grid[row][column] = "o"
    for row, column in _cells(GOALS, cells):
        grid[row][column] = "G"
    row, column = _cells(path[-1:], cells)[0]
    grid[row][column] = "@"
    return "\n".join("".join(line) for line in grid) + "\n"


def _render_rgb(path: np.ndarray, size: int = 141) -> np.ndarray:
    image = np.full((size, size, 3), 250, dtype=np.uint8)
    ys, xs = np.mgrid[0:size, 0:size]
    scale = (size - 1) / (2 * BOUND)
    for row, column in _cells(GOALS, size):
        image[(ys - row) ** 2 + (xs - column) ** 2 <= (GOAL_RADIUS * scale) ** 2] = (120, 200, 120)
    for row, column in _cells(path, size):
        image[max(row - 1, 0) : row + 2, max(column - 1, 0) : column + 2] = (60, 90, 200)
    row, column = _cells(path[-1:], size)[0]
    image[max(row - 3, 0) : row + 4, max(column - 3, 0) : column + 4] = (200, 40, 40)
    return image


class MultiGoalVectorEnv(VectorEnv):
    """`num_envs` point masses stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    An episode that ends (a goal reached, or `max_episode_steps` taken) is reset in the same
    step: the returned observation is the new start, and `infos["final_obs"]` and
    `infos["final_info"]["mode"]` and `["between"]` (with their `_` masks) hold the finished
    episode's, as gymnasium's `SyncVectorEnv` with `autoreset_mode=SAME_STEP` returns them.
    As gymnasium's `TimeLimit` around the single env, step `max_episode_steps` is truncated
    whether or not it also reaches a goal (then `terminated` and `truncated` are both true);
    `gym.make_vec` passes the registration's `max_episode_steps` to this constructor. Resetting
    with a list of seeds draws each start exactly as `MultiGoalEnv.reset(seed=s)` does.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        goal_reward: float = 10.0,
        action_cost_coeff: float = 30.0,
        distance_cost_coeff: float = 1.0,
        init_sigma: float = 0.1,
        max_episode_steps: int | None = None,
    ):
        _check_arguments(init_sigma, max_episode_steps)
        self.num_envs = num_envs
        self.costs = (goal_reward, action_cost_coeff, distance_cost_coeff)
        self.init_sigma = init_sigma
        self.max_episode_steps = max_episode_steps
        self.single_observation_space = spaces.Box(-BOUND, BOUND, shape=(2,), dtype=np.float32)
        self.single_action_space = spaces.Box(-SPEED, SPEED, shape=(2,), dtype=np.float32)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.positions = np.zeros((num_envs, 2), dtype=np.float32)
        self.steps = np.zeros(num_envs, dtype=np.int64)

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """New starts: from one generator, or per environment for a list of seeds."""
        self.positions = draw_starts(self, seed, partial(_draw_start, sigma=self.init_sigma))
        if options is not None and "observation" in options:
            start = np.clip(np.asarray(options["observation"], dtype=np.float32), -BOUND, BOUND)
            self.positions = np.broadcast_to(start, self.positions.shape).copy()
        self.steps[:] = 0
        return self.positions.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Move every point mass, and restart the episodes that ended."""
        moved, rewards, terminated, nearest, between = _move(self.positions, actions, *self.costs)
        self.steps += 1
        limit = self.max_episode_steps
        # as gymnasium's TimeLimit: the last step is truncated even when it also reaches a goal
        truncated = self.steps >= limit if limit is not None else np.zeros_like(terminated)
        ended = terminated | truncated
        final_obs = np.full(self.num_envs, None, dtype=object)
        for index in np.flatnonzero(ended):
            final_obs[index] = moved[index].copy()
        infos = {
            "final_obs": final_obs,
            "_final_obs": ended,
            "final_info": {
                "mode": _modes(terminated, nearest),
                "_mode": ended,
                "between": between,
                "_between": ended,
            },
            "_final_info": ended,
        }
        moved[ended] = _draw_start(self.np_random, int(ended.sum()), self.init_sigma)
        self.steps[ended] = 0
        self.positions = moved
        return moved.copy(), rewards, terminated, truncated, infos
