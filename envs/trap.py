"""A trap: a wide, shallow optimum where a point policy starts and a narrow, higher one farther away."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlnoise.contract import Line, Symmetry, Theory, draw_starts
from rlnoise.metrics import context_figures, outcome

ACTION_LIMIT = 5.0
SHIFT = 0.5
"""The contextual variant draws the shallow optimum uniformly within this of the origin, per coordinate."""
MODES = ("shallow", "deep")
PROFILE_POINTS = 4001
"""Points on the line from the shallow optimum to the deep one at which the landscape is read."""
SIGMA_POINTS = 400
"""Noise levels scanned (geometrically) for the edges of the escape window, each then bisected."""


@dataclass(frozen=True)
class Landscape:
    """The reward: a Gaussian bump per optimum, read at squared distances from the two optima."""

    dims: int = 1
    shallow_height: float = 0.5
    shallow_width: float = 1.0
    deep_height: float = 1.0
    deep_width: float = 0.5
    distance: float = 3.0

    def reward(self, to_shallow: np.ndarray, to_deep: np.ndarray, sigma: float = 0.0) -> np.ndarray:
        """The reward at squared distances `to_shallow`, `to_deep` from the optima; with `sigma`, its
        expectation when the action is moved by `N(0, sigma^2)` noise in each coordinate, in closed
        form: a Gaussian bump convolved with the noise is a wider, lower Gaussian bump."""
        total = np.zeros(np.broadcast(to_shallow, to_deep).shape)
        for height, width, squared in (
            (self.shallow_height, self.shallow_width, to_shallow),
            (self.deep_height, self.deep_width, to_deep),
        ):
            spread = width**2 + sigma**2
            total = total + height * (width**2 / spread) ** (self.dims / 2) * np.exp(-squared / (2 * spread))
        return total

    def profile(self, sigma: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Distances `t` from the shallow optimum towards the deep one, and the (smoothed) reward there."""
        t = np.linspace(0.0, self.distance, PROFILE_POINTS)
        return t, self.reward(t**2, (t - self.distance) ** 2, sigma)

    def climb(self, sigma: float = 0.0) -> float:
        """Where a point climbing the reward smoothed by `sigma` from the shallow optimum stops: the
        first maximum of the profile towards the deep optimum (both bumps' gradients point along
        the line between them, so a climb that starts on it stays on it)."""
        t, values = self.profile(sigma)
        falls = np.diff(values) <= 0
        return float(t[np.argmax(falls)] if falls.any() else t[-1])

    @cached_property
    def valley(self) -> float:
        """The distance from the shallow optimum of the reward's lowest point between the optima."""
        t, values = self.profile()
        start = np.searchsorted(t, self.climb())
        return float(t[start + np.argmin(values[start:])])

    @cached_property
    def barrier(self) -> float:
        """How much reward a point climbing out of the shallow optimum gives up: the shallow peak's
        reward minus the valley's (`barrier_under(0)`)."""
        return self.barrier_under(0.0)

    def barrier_under(self, sigma: float) -> float:
        """The barrier of the reward smoothed by `sigma`: its shallow peak (where the climb stops)
        minus its lowest point between there and the deep optimum (0 once the climb escapes)."""
        t, values = self.profile(sigma)
        peak = int(np.searchsorted(t, self.climb(sigma)))
        return float(values[peak] - values[peak:].min())

    def escapes(self, sigma: float) -> bool:
        """Whether the climb under noise `sigma` stops within the deep optimum's reach."""
        return abs(self.climb(sigma) - self.distance) <= self.deep_width

    @cached_property
    def escape_window(self) -> tuple[float, float] | None:
        """The noise levels `(low, high)` between which the climb from the shallow optimum ends
        within the deep optimum's reach (None when it never does): below `low` the smoothed reward
        keeps a maximum near the shallow optimum; above `high` it has one maximum, pulled by the
        wide bump off the deep optimum towards the bumps' mass-weighted mean."""
        sigmas = np.geomspace(1e-3 * self.distance, 10 * self.distance, SIGMA_POINTS)
        inside = np.flatnonzero([self.escapes(float(sigma)) for sigma in sigmas])
        if len(inside) == 0:
            return None
        low = _edge(self, sigmas[max(inside[0] - 1, 0)], sigmas[inside[0]])
        high = _edge(self, sigmas[min(inside[-1] + 1, len(sigmas) - 1)], sigmas[inside[-1]])
        return float(low), float(high)


def _edge(landscape: Landscape, outside: float, inside: float, steps: int = 30) -> float:
    """The noise level between `outside` and `inside` at which the climb starts to escape, bisected."""
    for _ in range(steps):
        middle = (outside + inside) / 2
        outside, inside = (outside, middle) if landscape.escapes(middle) else (middle, inside)
    return inside


def _check_arguments(landscape: Landscape, contextual: bool) -> None:
    """Raise ValueError, saying what is valid, unless the arguments describe a trap in the action box."""
    if landscape.dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, got {landscape.dims!r}")
    for name in ("shallow_height", "shallow_width", "deep_height", "deep_width", "distance"):
        if not getattr(landscape, name) > 0:
            raise ValueError(f"{name} must be > 0, got {getattr(landscape, name)!r}")
    if landscape.deep_height <= landscape.shallow_height:
        raise ValueError(
            f"deep_height must be > shallow_height ({landscape.shallow_height}), got {landscape.deep_height}"
        )
    if landscape.distance <= landscape.shallow_width + landscape.deep_width:
        raise ValueError(
            f"distance must be > shallow_width + deep_width "
            f"({landscape.shallow_width + landscape.deep_width}), so that the optima's reaches are apart, "
            f"got {landscape.distance}"
        )
    reach = (SHIFT if contextual else 0.0) + landscape.distance + landscape.deep_width
    if reach > ACTION_LIMIT:
        raise ValueError(
            f"distance + deep_width must be at most {ACTION_LIMIT - (SHIFT if contextual else 0.0)}"
            f"{' (contextual)' if contextual else ''}, so that the deep optimum lies in the action box "
            f"[-{ACTION_LIMIT}, {ACTION_LIMIT}], got {landscape.distance + landscape.deep_width}"
        )
    if landscape.climb() >= landscape.distance - landscape.deep_width:
        raise ValueError(
            "the reward has no valley between the optima (climbing from the shallow one reaches the deep "
            "one): increase distance or shallow_height, or narrow the widths"
        )


def _draw_scene(
    rng: np.random.Generator, size: int | None, dims: int, distance: float, contextual: bool
) -> np.ndarray:
    """`size` scenes `[a, b]` (one when `size` is None), drawn alike by the single and the vector env:
    the shallow optimum `a` and the deep one `b`, fixed at `0` and `distance` along the first axis,
    or, contextual, `a ~ U[-SHIFT, SHIFT]` per coordinate and `b` at `distance` from it in a uniform
    direction (a side in one dimension, an angle in two)."""
    shape = (dims,) if size is None else (size, dims)
    if not contextual:
        shallow = np.zeros(shape)
        direction = np.broadcast_to(np.eye(dims)[0], shape)
    else:
        shallow = rng.uniform(-SHIFT, SHIFT, size=shape)  # drawn first, then the direction
        if dims == 1:
            direction = rng.choice(np.array([-1.0, 1.0]), size=size)[..., None]
        else:
            angle = rng.uniform(0.0, 2 * np.pi, size=size)
            direction = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    return np.concatenate([shallow, shallow + distance * direction], axis=-1).astype(np.float32)


def _optima(scenes: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """The shallow and the deep optimum of each scene of a batch `[n, 2 * dims]`, as float64."""
    scenes = np.asarray(scenes, dtype=np.float64).reshape(-1, 2 * dims)
    return scenes[:, :dims], scenes[:, dims:]


def _play(
    landscape: Landscape, scenes: np.ndarray, actions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rewards, modes and averaging flags of a batch of scenes `[n, 2 * dims]` and actions."""
    dims = landscape.dims
    shallow, deep = _optima(scenes, dims)
    positions = np.clip(np.asarray(actions, dtype=np.float32).reshape(-1, dims), -ACTION_LIMIT, ACTION_LIMIT)
    positions = positions.astype(np.float64)
    to_shallow = ((positions - shallow) ** 2).sum(axis=1)
    to_deep = ((positions - deep) ** 2).sum(axis=1)
    to_middle = ((positions - (shallow + deep) / 2) ** 2).sum(axis=1)
    labels = np.array([*MODES, None], dtype=object)
    index = np.where(
        to_shallow <= landscape.shallow_width**2, 0, np.where(to_deep <= landscape.deep_width**2, 1, 2)
    )
    between = (to_middle < to_shallow) & (to_middle < to_deep) & (index == 2)
    return landscape.reward(to_shallow, to_deep), labels[index], between


def escape(modes: Sequence[str | None]) -> float:
    """The escape figure: the share of episodes (or of runs' deterministic points) that ended at
    the deep optimum, `info["mode"] == "deep"`."""
    return float(np.mean([mode == "deep" for mode in modes])) if len(modes) else float("nan")


def _line(observation: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The shallow optimum, the unit direction to the deep one and the distance between them."""
    shallow, deep = (optimum[0] for optimum in _optima(observation, dims))
    distance = float(np.linalg.norm(deep - shallow))
    return shallow, (deep - shallow) / distance, distance


def _progress(observation: np.ndarray, action: np.ndarray) -> float:
    """How far the point went from the shallow optimum towards the deep one: 0 there, 1 at the deep."""
    dims = len(np.asarray(observation).reshape(-1)) // 2
    shallow, direction, distance = _line(observation, dims)
    return float((np.asarray(action, dtype=np.float64).reshape(-1) - shallow) @ direction / distance)


def _predicted_progress(env: TrapEnv, observation: np.ndarray, settings: dict[str, Any]) -> float:
    """Where theory puts the regressor's point: its climb under noise `sigma`, over the distance."""
    return env.landscape.climb(float(settings["sigma"])) / env.landscape.distance


def _predicted_outcome(env: TrapEnv, observation: np.ndarray, settings: dict[str, Any]) -> str:
    """The regressor's deterministic outcome: its point where the climb under noise `sigma` stops,
    labelled by the rule evaluation uses (`rlnoise.metrics.outcome`)."""
    shallow, direction, _ = _line(observation, env.landscape.dims)
    point = shallow + env.landscape.climb(float(settings["sigma"])) * direction
    _, modes, between = _play(env.landscape, np.asarray(observation)[None], point[None])
    return outcome(context_figures(list(modes), env.mode_labels, [bool(between[0])]))


def _predicted_escape(env: TrapEnv, settings: dict[str, Any]) -> float | None:
    """The regressor's deterministic escape by theory: 1 when the climb under its noise `sigma`
    alone ends within the deep optimum's reach, else 0 (None for another agent)."""
    return (
        float(env.landscape.escapes(float(settings["sigma"]))) if settings["agent"] == "regression" else None
    )


def noise_scale(env: TrapEnv, settings: dict[str, Any]) -> float:
    """SGD's noise scale (Smith & Le 2018), `lr / B`: the learning rate over the steps of one update."""
    return settings["learning_rate"] / (settings["num_envs"] * (settings["num_steps"] or 1))


def inverse_gradient_noise(env: TrapEnv, settings: dict[str, Any]) -> float:
    """One over the added gradient noise's variance `eta` (infinite without it): Kramers' axis."""
    return 1 / settings["grad_noise"] if settings["grad_noise"] > 0 else math.inf


def kramers_slope(env: TrapEnv, settings: dict[str, Any]) -> float | None:
    """Kramers' slope of log escape time against `1 / eta` for SGD (None for Adam): SGD with added
    gradient noise of variance `eta` moves the point as Langevin dynamics at temperature `lr * eta / 2`
    (to first order in the step, whatever the network's Jacobian), so the time grows as
    `exp(2 barrier / (lr * eta))`, the barrier that of the reward smoothed by the exploration noise."""
    if settings["optimizer"] != "sgd":
        return None
    return 2 * env.landscape.barrier_under(float(settings["sigma"])) / settings["learning_rate"]


def implied_momentum(env: TrapEnv, settings: dict[str, Any]) -> float:
    """SGD's momentum, or for `W` asynchronous workers the momentum `1 - 1/W` that asynchrony
    begets (Mitliagkas et al. 2016)."""
    workers = settings.get("async_workers", 1)
    return 1 - 1 / workers if workers > 1 else settings["momentum"]


def _mirror(values: np.ndarray) -> np.ndarray:
    return -np.asarray(values, dtype=np.float32)


class TrapEnv(gym.Env):
    """A trap for a point policy: a wide, shallow optimum where it starts, a higher one past a valley.

    ## Description

    One step. The agent picks a point; the reward is the sum of two Gaussian bumps, a wide,
    shallow one at `a` (the shallow optimum, where an untrained point policy, which outputs about
    0, starts) and a narrow, higher one at `b`, `distance` away (the deep optimum), with a valley
    between. A point policy trained by gradient climbs the reward smoothed by its exploration
    noise: with little noise it stays in the shallow optimum; with enough the smoothed reward
    loses its shallow maximum and the point escapes to the deep one (too much and the one
    maximum left drifts off the deep optimum, towards the bumps' mass-weighted mean). The noise
    is energy that crosses the barrier.

    Measured (the regression agent, `--total-timesteps 60000 --num-envs 256`, seeds 1-5): with
    `--sigma 0.02` every point stays shallow; with the default `--sigma 1.0`, just below the
    escape window, seeds 3 and 4 escape (also at the default schedule); with 1.1, in the window,
    all five; with 1.5 and 3.0 every point ends between (progress 0.70-0.74 and 0.49-0.55,
    theory 0.73 and 0.53). Contextual, all five escape at 1.0, none at 0.3, and seed 2 escapes
    at 0.1 and 0.02 too: the policy gradient's own noise, whose variance grows as `1 / sigma^2`,
    carries it over early in training.

    ## Action Space

    `Box(-5, 5, (dims,), float32)`: the point.

    ## Observation Space

    `Box(float32, (2 * dims,))`: `[a, b]`, the shallow and the deep optimum (`[ax, ay, bx, by]` in
    two dimensions). Without `contextual` it is the constant `[0, distance]` (`[0, 0, distance,
    0]`): a fixed scene, so that one number, the point, can learn it.

    ## Rewards

    `shallow_height * exp(-|x - a|^2 / (2 shallow_width^2)) + deep_height * exp(-|x - b|^2 / (2
    deep_width^2))` for the point `x`. At the defaults: 0.500 at `a`, 1.006 at `b` (the wide
    bump's tail adds 0.006), and a valley 1.72 from `a` of reward 0.152, so the barrier (the
    shallow peak's reward minus the valley's, `barrier`) is 0.348.

    ## Starting State

    Without `contextual`: the fixed scene above. With it, drawn from `self.np_random`: `a ~
    U[-0.5, 0.5]` per coordinate (within the shallow optimum's reach of 0, where the untrained
    point starts), then `b = a + distance * u` for a direction `u` drawn uniformly (a side, `-1`
    or `+1`, in one dimension; an angle in two), so that the network, not one number, must learn
    where the deep optimum is. `reset(options={"observation": [a, b]})` starts from a given scene.

    ## Episode End

    After one step: `terminated=True`. `info["mode"]` is `"shallow"` within `shallow_width` of `a`,
    `"deep"` within `deep_width` of `b` (the reaches are apart), else `None`. `info["between"]` is
    whether the point stopped closer to the midpoint of `a` and `b` than to either, outside both
    reaches (the contract's averaging region: at the defaults `[1, 2.25]`, the valley's floor at
    1.72 in it): there a point with much noise ends, at the bumps' mass-weighted mean, which is
    the midpoint when the bumps' masses (`height * width^dims`) are equal, as at the defaults.

    ## Declarations (rlnoise contract)

    - `mode_labels`: `("shallow", "deep")`.
    - `symmetries`: the mirror `[a, b] -> -[a, b]`, `x -> -x`.
    - `expert(observations, rng)`: plays `a` or `b`, drawn at random (both are good answers).
    - `observation_names`: `("a", "b")` (`("ax", "ay", "bx", "by")` in two dimensions).
    - `landmarks(observation)`: `{"shallow": [a], "deep": [b]}`.
    - `barrier`: the barrier's height (above); `landscape`: the reward's `Landscape`, whose
      `reward(..., sigma)` is the reward smoothed by Gaussian noise in closed form, `climb(sigma)`
      where a point climbing it from `a` stops, and `escape_window` the noise levels at which it
      stops within the deep optimum's reach: `(1.048, 1.286)` at the defaults in one dimension.
      In two dimensions a bump smoothed by `s` falls as `(width / s)^2`, the narrow one faster,
      and at the defaults the climb never escapes (`None`): `deep_width=0.7` gives `(0.942,
      1.367)`.
    - `figures(modes)`: `{"escape": escape(modes)}`, the escape figure (`rlnoise.envs.trap.escape`):
      the share of episodes (or of runs' deterministic points) that ended `"deep"`; rlnoise's
      evaluation keeps it for both plays (`env_figures` in `evaluation.json`, `eval/<play>/escape`).
    - `theories`: the regression agent, evaluated deterministically, plays where the climb under
      its noise `sigma` stops: committed (shallow) below the escape window, committed (deep) in
      it, diffuse and then averaged above it. Its order parameter is the point's progress `(x -
      a) . u / distance`: 0 at the shallow optimum, 1 at the deep one.
    - `lines` (theory lines a sweep draws, `rlnoise.contract.Line`): the deterministic escape
      against the swept setting beside the regressor's climb under `sigma` alone (1 in the
      escape window, 0 outside); the escape against SGD's noise scale `lr / B` (`noise_scale`,
      Smith & Le 2018: sweeps of the learning rate and of the batch on one axis); the escape time
      (`escape_step`, the step at which the point first ended deep) against the swept setting,
      and against `1 / eta` for added
      gradient noise `eta`, with Kramers' straight line `log t = a + b / eta` fitted beside its
      slope for SGD, `b = 2 barrier_under(sigma) / lr` (`kramers_slope`: Langevin dynamics at
      temperature `lr * eta / 2`; `barrier_under(sigma)`, the barrier of the reward smoothed by
      the exploration noise, 0.191 at sigma 0.5); and the
      escape and the escape time against the momentum, `1 - 1/W` for `W` asynchronous workers
      (`implied_momentum`, Mitliagkas et al. 2016); and, with `--init symmetric`, the run's `unit_spread`
      (`rlnoise.noise.unit_spread`: how far the hidden units have come apart) against the
      swept noise source.

    ## Arguments

    - `dims`: 1 (default) or 2, the dimensions of the action.
    - `shallow_height`, `shallow_width`: the shallow bump (defaults 0.5 and 1.0).
    - `deep_height`, `deep_width`: the deep bump (defaults 1.0 and 0.5); `deep_height` must
      exceed `shallow_height`.
    - `distance`: from `a` to `b` (default 3.0); more than the two widths together, and `b`'s
      reach must lie in the action box.
    - `contextual`: draw the scene per episode (default False).
    - `render_mode`: `"ansi"` or `"rgb_array"`.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    mode_labels = MODES
    symmetries = (Symmetry("mirror", _mirror, _mirror),)
    theories = (
        Theory(
            agent="regression",
            play="deterministic",
            outcome="committed",
            statement="the point climbs the noise-smoothed reward from the shallow optimum: shallow below "
            "the escape window, deep in it, off both above it",
            predict=_predicted_outcome,
            order=("progress (x - a) . u / distance", _progress, _predicted_progress),
        ),
    )

    lines = (
        Line(
            "escape",
            "escape against the exploration noise: theory, the regressor's climb of the reward "
            "smoothed by sigma alone (1 in the escape window)",
            predict=_predicted_escape,
        ),
        Line(
            "escape",
            "escape against SGD's noise scale lr / B (Smith & Le 2018): sweeps of the learning rate and "
            "of the batch lie on one curve if the noise scale alone decides",
            against=("noise scale lr / B (learning rate over steps per update)", noise_scale),
        ),
        Line(
            "escape_step",
            "Kramers: the escape time grows as exp(barrier / T), T proportional to the gradient "
            "noise eta: log time is a straight line in 1 / eta",
            play=None,
            against=("1 / eta (gradient noise variance)", inverse_gradient_noise),
            fit="exponential",
            slope=kramers_slope,
        ),
        Line(
            "escape_step",
            "escape time (the step the point first ended deep) against the swept setting",
            play=None,
        ),
        Line(
            "escape",
            "asynchrony begets momentum (Mitliagkas et al. 2016): W asynchronous workers act like "
            "SGD with momentum 1 - 1/W, so both lie on one axis",
            against=("momentum (1 - 1/W for W asynchronous workers)", implied_momentum),
        ),
        Line(
            "escape_step",
            "escape time against the momentum, 1 - 1/W for W asynchronous workers (Mitliagkas et al. 2016)",
            play=None,
            against=("momentum (1 - 1/W for W asynchronous workers)", implied_momentum),
        ),
        Line(
            "unit_spread",
            "symmetry in parameter space: how far the hidden units have come apart from --init symmetric, "
            "where nothing in the gradient tells them apart (0: still alike)",
            play=None,
        ),
    )

    def __init__(
        self,
        dims: int = 1,
        shallow_height: float = 0.5,
        shallow_width: float = 1.0,
        deep_height: float = 1.0,
        deep_width: float = 0.5,
        distance: float = 3.0,
        contextual: bool = False,
        render_mode: str | None = None,
    ):
        self.landscape = Landscape(dims, shallow_height, shallow_width, deep_height, deep_width, distance)
        _check_arguments(self.landscape, contextual)
        self.contextual = contextual
        self.render_mode = render_mode
        self.draw = partial(_draw_scene, dims=dims, distance=distance, contextual=contextual)
        self.observation_names = ("a", "b") if dims == 1 else ("ax", "ay", "bx", "by")
        if contextual:
            bound = np.full(2 * dims, SHIFT + distance, dtype=np.float32)
            self.observation_space = spaces.Box(-bound, bound)
        else:
            fixed = self.draw(np.random.default_rng(0), None)
            self.observation_space = spaces.Box(fixed, fixed.copy())
        self.action_space = spaces.Box(-ACTION_LIMIT, ACTION_LIMIT, shape=(dims,), dtype=np.float32)
        self.scene = self.observation_space.low.copy()
        self.position: np.ndarray | None = None

    @property
    def barrier(self) -> float:
        """The barrier's height: the shallow peak's reward minus the valley's."""
        return self.landscape.barrier

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new scene: the fixed one, a drawn one (`contextual`), or `options["observation"]`."""
        super().reset(seed=seed)
        if options is not None and "observation" in options:
            self.scene = np.asarray(options["observation"], dtype=np.float32).reshape(-1).copy()
        else:
            self.scene = self.draw(self.np_random, None)
        self.position = None
        return self.scene.copy(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Play the point `action`, score it, and end the episode."""
        self.position = np.clip(np.asarray(action, dtype=np.float32).reshape(-1), -ACTION_LIMIT, ACTION_LIMIT)
        rewards, modes, between = _play(self.landscape, self.scene[None], self.position[None])
        info = {"mode": modes[0], "between": bool(between[0])}
        return self.scene.copy(), float(rewards[0]), True, False, info

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each scene of the batch, `a` or `b`, drawn at random."""
        shallow, deep = _optima(observations, self.landscape.dims)
        pick = rng.random(len(shallow)) < 0.5
        return np.where(pick[:, None], deep, shallow).astype(np.float32)

    def figures(self, modes: np.ndarray) -> dict[str, float]:
        """The environment's own figure of episodes that ended in `modes`: the escape figure."""
        return {"escape": escape(modes)}

    def landmarks(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The two optima of the scene `observation` describes."""
        shallow, deep = _optima(observation, self.landscape.dims)
        return {"shallow": shallow, "deep": deep}

    def render(self) -> str | np.ndarray | None:
        """Draw the optima (`S`, `D`) and the point (`x`) on the line or the plane, as text or an image."""
        if self.render_mode not in ("ansi", "rgb_array"):
            return None
        shallow, deep = _optima(self.scene, self.landscape.dims)
        marks = [(shallow[0], "S"), (deep[0], "D")]
        if self.position is not None:
            marks.append((self.position, "x"))
        if self.render_mode == "ansi":
            return _render_ansi(marks, self.landscape.dims)
        return _render_rgb(marks, self.landscape.dims)


def _cell(point: np.ndarray, rows: int, columns: int) -> tuple[int, int]:
    """The row and column of `point` on a canvas of the action box (one row, the middle, on a line)."""
    fractions = (np.asarray(point, dtype=np.float64).reshape(-1) + ACTION_LIMIT) / (2 * ACTION_LIMIT)
    column = int(np.clip(round(fractions[0] * (columns - 1)), 0, columns - 1))
    row = (
        rows // 2
        if len(fractions) == 1
        else int(np.clip(round((1 - fractions[1]) * (rows - 1)), 0, rows - 1))
    )
    return row, column


def _render_ansi(marks: list[tuple[np.ndarray, str]], dims: int) -> str:
    rows, columns = (1, 81) if dims == 1 else (21, 41)
    canvas = [["-" if dims == 1 else "."] * columns for _ in range(rows)]
    for point, char in marks:
        row, column = _cell(point, rows, columns)
        canvas[row][column] = char
    return "".join("".join(line) + "\n" for line in canvas) + f"-{ACTION_LIMIT:g} .. {ACTION_LIMIT:g}\n"


COLOURS = {"S": (120, 160, 220), "D": (30, 60, 160), "x": (200, 60, 40)}


def _render_rgb(marks: list[tuple[np.ndarray, str]], dims: int) -> np.ndarray:
    rows, columns = (60, 400) if dims == 1 else (200, 200)
    image = np.full((rows, columns, 3), 240, dtype=np.uint8)
    for point, char in marks:
        row, column = _cell(point, rows, columns)
        size = 6 if char == "x" else 9
        image[max(row - size, 0) : row + size + 1, max(column - size, 0) : column + size + 1] = COLOURS[char]
    return image


class TrapVectorEnv(VectorEnv):
    """`num_envs` Trap scenes stepped as numpy arrays, in `SAME_STEP` autoreset mode.

    Every step ends every episode: the returned observations are the next scenes, and
    `infos["final_info"]["mode"]` and `["between"]` hold the finished episodes' modes and
    averaging flags, `infos["final_obs"]` the finished scenes as one `(num_envs, 2 * dims)` array
    (as `TwoBalesVectorEnv`). Resetting with a list of seeds draws each scene exactly as
    `TrapEnv.reset(seed=s)` does.
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(self, num_envs: int = 1, **kwargs: Any):
        self.num_envs = num_envs
        single = TrapEnv(**kwargs)
        self.landscape, self.draw = single.landscape, single.draw
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(single.observation_space, num_envs)
        self.action_space = batch_space(single.action_space, num_envs)
        self.scenes = np.zeros((num_envs, 2 * self.landscape.dims), dtype=np.float32)
        self._all = np.ones(num_envs, dtype=bool)

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw new scenes: from one generator, or per environment for a list of seeds."""
        self.scenes = draw_starts(self, seed, self.draw)
        if options is not None and "observation" in options:
            self.scenes = np.broadcast_to(options["observation"], self.scenes.shape).astype(np.float32)
        return self.scenes.copy(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Score every point and draw the next scenes."""
        rewards, modes, between = _play(self.landscape, self.scenes, actions)
        final_info = {"mode": modes, "_mode": self._all, "between": between, "_between": self._all}
        final_obs = self.scenes
        self.scenes = self.draw(self.np_random, self.num_envs)
        infos = {
            "final_obs": final_obs,
            "_final_obs": self._all,
            "final_info": final_info,
            "_final_info": self._all,
        }
        terminated = self._all.copy()
        return self.scenes.copy(), rewards, terminated, ~terminated, infos
