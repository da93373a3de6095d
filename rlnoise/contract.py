"""What an rlnoise environment declares beyond the Gymnasium API, and the rules it keeps.

An environment is a plain ``gymnasium.Env``, registered with ``gymnasium.register``
(docs/design.md section 2). rlnoise reads these optional declarations from its unwrapped
instance:

- ``mode_labels``: the labels of its good answers; every finished episode reports one of them,
  or ``None``, as ``info["mode"]``.
- ``info["between"]``: a bool at the end of every episode: whether it ended in the averaging
  region, closer to the average of the good answers than to any of them (the midpoint between
  the bales, the centre of the board, the start of MultiGoal). Put it in every step's info, as
  ``"mode"``. Without it rlnoise cannot tell a policy that averages from one that is spread
  out: its runs are never labelled ``averaged`` (they read ``diffuse``), and check-env warns.
- ``symmetries``: transformations of observation and action that leave the reward unchanged.
  An environment that declares any accepts ``reset(options={"observation": obs})`` and starts
  from the state that observation describes, so the transformed start can be played.
- ``action_coordinates``: for a ``Discrete`` action space, one row of coordinates per action
  (``nan`` for an action that has none, such as a pass), so that an agent that outputs a point
  plays the nearest action. A ``Box`` action is its own coordinates.
- ``training_defaults``: settings of ``rlnoise.config.Config`` (``{"bins": 5}``) that the
  command line uses for this environment when their flags are not given, for an environment
  that rlnoise's defaults would train badly or slowly. Plain numbers and strings only.
- ``observation_names``: one short name per entry of the flattened observation (``("c", "d")``),
  so that pictures label a scene ``c=0.14, d=0.51`` instead of with bare numbers.
- ``landmarks(observation)``: a method; the named points of the scene that an observation
  describes, in action coordinates, one row each (the bales, the stones on the board), which
  rlnoise's pictures draw beside where the policy acts.
- ``path_positions(observations)`` and ``path_landmarks(observation)``: methods, for the
  pictures of an environment with more than one step per episode, which draw sampled episodes
  as paths in a plane: where each observation of a batch puts the agent, one row of one or two
  coordinates each, and the named points of a scene in those coordinates (MultiGoal's goals).
  Without them the path is the observation's first two entries (its only one, for a scalar),
  and no landmarks are drawn.
- ``expert(observations, rng)``: a method; for a batch of observations, one good action each,
  drawn evenly over the good answers with the numpy Generator ``rng`` (a bale at random, a best
  move at random): the teacher that ``--algo bc`` clones. Without it ``--algo bc`` is refused.
- ``answer_table(held_out=False)``: a method, for an environment whose every input has one
  right answer among its ``Discrete`` actions, all of them listed (Memorize-v0): every key it asks
  (one observation per row) and its answer, as two arrays; with ``held_out=True`` as many keys it
  never asks, with answers of their own. rlnoise then counts the bits a choice policy stores of
  the table, and of the held-out keys as a check (``rlnoise.capacity``).
- ``figures(modes)``: a method; the environment's own figures of a set of episodes, from the
  array of their ``info["mode"]`` labels (``None`` for none), by name (Trap-v0's ``{"escape":
  share ending "deep"}``). The evaluation computes them for both plays and keeps them in
  ``evaluation.json`` as ``env_figures``.
- ``theories``: what theory predicts for an agent here, as ``rlnoise.contract.Theory``: the
  outcome one play (sampled or deterministic) of one agent should have from a start state, given the run's
  settings. ``rlnoise sweep`` draws it beside the measured outcomes and reports the predicted
  transition beside the measured one.
- ``lines``: theory lines for a run's figures, as ``rlnoise.contract.Line``: the value theory
  gives for one figure (Trap-v0's escape, Memorize-v0's bits stored) at a point of a sweep, the
  axis it is drawn against, the fit it is read by. ``rlnoise sweep`` draws each in ``lines.png``
  beside the measured figure and tabulates both in ``sweep.md``.

``RULES`` lists what every environment must do; ``rlnoise.checks`` tests each rule, and
``rlnoise check-env ID`` runs those tests on any registered environment, including
``my_pkg.my_module:MyEnv-v0``. ``draw_starts`` helps a native vector environment draw its start
states exactly as the single environment does, as the vector rule asks, and ``seed_vector_env``
seeds its own generator.

This module imports nothing but numpy and gymnasium, so an environment in a user's own package
can depend on it without pulling in torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import VectorEnv


@dataclass(frozen=True)
class Symmetry:
    """A transformation of observations and actions that leaves every reward unchanged."""

    name: str
    observation: Callable[[np.ndarray], np.ndarray]
    action: Callable[[Any], Any]


@dataclass(frozen=True)
class Theory:
    """A prediction: the outcome of one agent's play (sampled or deterministic) from a start state,
    given the settings.

    `predict(env, observation, settings)` returns an outcome label (`rlnoise.metrics.OUTCOMES`)
    for the start state `observation` of the unwrapped `env`, where `settings` holds the run's
    training settings (the fields of `rlnoise.config.Config`, as a dict). The transition is
    where the share of start states in `outcome` crosses one half.
    `scene`, when given, names the property of a start state that the prediction depends on and
    computes it from the observation, so that a sweep can plot each start state against it.
    `order`, when given, is an order parameter beside the labels: its name, `measure(observation,
    action)` of the evaluation's action in a start state, and `predict(env, observation,
    settings)`, the value theory gives, so that a sweep draws both against the setting.
    """

    agent: str
    play: str
    outcome: str
    statement: str
    predict: Callable[[Any, np.ndarray, dict[str, Any]], str]
    scene: tuple[str, Callable[[np.ndarray], float]] | None = None
    order: (
        tuple[
            str, Callable[[np.ndarray, np.ndarray], float], Callable[[Any, np.ndarray, dict[str, Any]], float]
        ]
        | None
    ) = None


FITS = ("proportional", "exponential")
"""How a line's measured points are read: `y = b x` (the slope b, bits per parameter) or
`log y = a + b x` (Kramers' law: the log of an escape time against one over the temperature)."""


@dataclass(frozen=True)
class Line:
    """A theory line for one figure of a run, which a sweep draws beside the measured figure.

    `figure` names the figure: one of the environment's own figures (`figures(modes)`: Trap's
    `escape`) in the evaluation `play`, or, with `play=None`, one of the run's own
    (`rlnoise.grid.summaries.RUN_FIGURES`: `bits_stored`, `bits_per_param`, `table_stored`, and
    `NAME_step`, the step at which the environment's figure `NAME` first reached one half in
    deterministic play). `predict(env, settings)`, when given, is the value theory gives at a
    point of the sweep, from the unwrapped environment made with the point's keyword arguments and
    the point's settings (the fields of `rlnoise.config.Config` as a dict, with the means over its
    runs of `parameters`, the policy's trainable scalars, and `bottleneck_kl_bits`, the
    bottleneck's KL per row); None where it says nothing. `against`, when given, is `(name,
    value(env, settings))`: the axis the figure is drawn against instead of the first varied
    setting, so that sweeps of different settings lie on one curve (Trap: the noise scale lr / B).
    `pool` names varied settings whose points are more samples of one point (Memorize:
    `env.table_seed`, the table drawn). `fit` (one of `FITS`) is fitted to the measured points,
    with a bootstrap interval (a `proportional` fit leaves out the points within 20% of the
    prediction, which is then a ceiling: Memorize's table), beside the slope theory gives,
    `slope(env, settings)`, when given (Kramers: twice the barrier over the learning rate); with
    `crossing`, the figure is a share
    and where it crosses one half is reported, measured with its interval and predicted. `anchors`
    are reference slopes drawn as `y = slope x` beside the fit, each with its label (published
    bits per parameter).
    """

    figure: str
    statement: str
    play: str | None = "deterministic"
    predict: Callable[[Any, dict[str, Any]], float | None] | None = None
    against: tuple[str, Callable[[Any, dict[str, Any]], float]] | None = None
    pool: tuple[str, ...] = ()
    fit: str | None = None
    crossing: bool = False
    anchors: tuple[tuple[str, float], ...] = ()
    slope: Callable[[Any, dict[str, Any]], float | None] | None = None


@dataclass(frozen=True)
class Rule:
    """One rule of the contract: its name, what it requires, and how to mend an environment that breaks it."""

    name: str
    requires: str
    mend: str


RULES = (
    Rule(
        "gymnasium-api",
        "the environment passes gymnasium.utils.env_checker.check_env",
        "follow the Gymnasium Env API (spaces, reset(seed=, options=) -> (obs, info), step -> 5-tuple) "
        "and draw all randomness from self.np_random after super().reset(seed=seed)",
    ),
    Rule(
        "declarations",
        "mode_labels is a non-empty tuple of distinct strings, symmetries a tuple of "
        "rlnoise.contract.Symmetry, action_coordinates (Discrete spaces only) one row per action, "
        "observation_names one string per entry of the flattened observation, "
        "training_defaults valid training settings, figures(modes) a dict of named numbers, "
        "theories rlnoise.contract.Theory predicting an "
        "outcome label for the start states, "
        'and metadata["render_modes"] includes "ansi" and "rgb_array"',
        "set these class attributes on the environment class (see rlnoise/contract.py)",
    ),
    Rule(
        "seed-determinism",
        "reset(seed=s) followed by the same actions replays the same episode",
        "draw every random number from self.np_random (never from np.random or random), "
        "and call super().reset(seed=seed) first in reset",
    ),
    Rule(
        "vector-env",
        "the vector_entry_point's VectorEnv autoresets in SAME_STEP mode and equals the single "
        "environment: reset(seed=[s0, s1, ...]) starts env i as reset(seed=si) does, and the same "
        'actions give the same observations, rewards, ends, infos["final_obs"] and '
        'infos["final_info"]["mode"] and ["between"]',
        'set metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}, draw each start of a list-of-seeds '
        "reset from its own seeding.np_random(s), and share the step code with the single environment "
        "(see envs/two_bales.py)",
    ),
    Rule(
        "symmetries",
        'every declared symmetry leaves rewards and ends unchanged: reset(options={"observation": '
        "sym.observation(obs)}) starts from that observation, and playing sym.action(a) for every "
        "action a gives the same rewards",
        'accept reset(options={"observation": obs}) and fix (or stop declaring) the symmetry',
    ),
    Rule(
        "modes",
        'every finished episode reports info["mode"]: one of mode_labels, or None when no good answer '
        "was reached; every label is reached by random play or by some action held for a whole "
        "episode (every action of a Discrete space, 256 random ones otherwise) from a few start states",
        'put "mode" in the info of every step (None until a good answer is reached), so that episodes '
        "cut short by the time limit report it too, and declare only labels that the env reports",
    ),
    Rule(
        "between",
        'if the env reports info["between"]: holding the average of the good answers\' actions (the mean '
        "over labels of the held actions that reached each; for a Discrete space, the action nearest "
        "the mean of their action_coordinates) ends between, and the best held action of each label "
        "does not",
        'set info["between"] to whether the episode ended closer to the average of the good answers than '
        "to any of them (see envs/two_bales.py)",
    ),
    Rule(
        "expert",
        'an expert, when declared, plays good answers: every episode it plays ends with info["mode"] '
        "one of mode_labels, and every label is reached",
        "return from expert(observations, rng) one action per observation that leads to a good answer, "
        "drawn with rng evenly over the good answers (see envs/two_bales.py)",
    ),
    Rule(
        "render",
        'render() returns a str in render_mode "ansi" and an HxWx3 uint8 array in render_mode "rgb_array"',
        "accept render_mode in __init__ and return those types from render()",
    ),
    Rule(
        "trains",
        "every agent (agents.AGENTS) trains on the environment for a few updates and is evaluated",
        "read the error: a Box action space must be bounded, a Discrete one must declare "
        "action_coordinates for point agents, and episodes must end (set max_episode_steps)",
    ),
)


class ContractError(AssertionError):
    """An environment breaks a rule of the contract; the message names the rule and the mend."""

    def __init__(self, rule: str, problem: str):
        self.rule = next(item for item in RULES if item.name == rule)
        super().__init__(
            f"rule {rule!r} broken: {problem}\n  the rule: {self.rule.requires}\n  to mend: {self.rule.mend}"
        )


def mode_labels(env: Any) -> tuple[str, ...]:
    """The mode labels an environment declares (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "mode_labels", ()))


def symmetries(env: Any) -> tuple[Symmetry, ...]:
    """The symmetries an environment declares (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "symmetries", ()))


def training_defaults(env: Any) -> dict[str, Any]:
    """The training settings an environment declares it trains well with (empty when none)."""
    return dict(getattr(env.unwrapped, "training_defaults", {}))


def theories(env: Any) -> tuple[Theory, ...]:
    """The theories an environment declares (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "theories", ()))


def lines(env: Any) -> tuple[Line, ...]:
    """The theory lines an environment declares for its runs' figures (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "lines", ()))


def expert(env: Any) -> Callable[[np.ndarray, np.random.Generator], np.ndarray] | None:
    """The expert an environment declares (its `expert(observations, rng)` method), or ``None``."""
    return getattr(env.unwrapped, "expert", None)


def env_figures(env: Any, modes: np.ndarray) -> dict[str, float]:
    """The figures an environment declares (its `figures(modes)` method) of the episodes whose
    `info["mode"]` labels are `modes`, by name; empty when it declares none."""
    method = getattr(env.unwrapped, "figures", None)
    if method is None:
        return {}
    labels = np.asarray(modes, dtype=object).reshape(-1)
    return {str(name): float(value) for name, value in method(labels).items()}


def ceiling_bits(env: Any) -> float | None:
    """The most bits a policy can store of the env's table: its declared `ceiling_bits`, else its
    `information_bits`; None for an env that declares neither."""
    unwrapped = env.unwrapped
    return getattr(unwrapped, "ceiling_bits", getattr(unwrapped, "information_bits", None))


def answer_table(env: Any, held_out: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """The keys and answers an environment declares (its `answer_table(held_out)` method): those it
    asks, or with `held_out` those it never asks; ``None`` when it declares none."""
    method = getattr(env.unwrapped, "answer_table", None)
    if method is None:
        return None
    keys, answers = method(held_out=held_out)
    return np.asarray(keys), np.asarray(answers, dtype=np.int64)


def observation_names(env: Any) -> tuple[str, ...]:
    """The names of an environment's flattened observation entries (empty when it declares none)."""
    return tuple(getattr(env.unwrapped, "observation_names", ()))


def action_coordinates(env: Any) -> np.ndarray | None:
    """The coordinates of a discrete environment's actions, one row each, or ``None``."""
    coordinates = getattr(env.unwrapped, "action_coordinates", None)
    return None if coordinates is None else np.asarray(coordinates, dtype=np.float64)


def landmarks(env: Any, observation: np.ndarray) -> dict[str, np.ndarray]:
    """The named points of the scene `observation` describes, in action coordinates (or none)."""
    method = getattr(env.unwrapped, "landmarks", None)
    if method is None:
        return {}
    return {name: np.asarray(points, dtype=np.float64) for name, points in method(observation).items()}


def path_positions(env: Any, observations: np.ndarray) -> np.ndarray:
    """Where observations put the agent in the plane its paths are drawn in, `[n, 1 or 2]`: the
    env's `path_positions`, else the flattened observation's first two entries."""
    method = getattr(env.unwrapped, "path_positions", None)
    flat = np.asarray(observations, dtype=np.float64).reshape(len(observations), -1)
    positions = flat[:, :2] if method is None else np.asarray(method(observations), dtype=np.float64)
    return positions.reshape(len(observations), -1)


def path_landmarks(env: Any, observation: np.ndarray) -> dict[str, np.ndarray]:
    """The named points of a scene in the plane of its paths (`path_landmarks`), or none."""
    method = getattr(env.unwrapped, "path_landmarks", None)
    if method is None:
        return {}
    return {name: np.asarray(points, dtype=np.float64) for name, points in method(observation).items()}


def seed_vector_env(vector_env: VectorEnv, seed: int | list[int | None] | None) -> None:
    """Seed a native vector env's own generator (`np_random`) as gymnasium's `VectorEnv.reset`
    does: with `seed`, or with the first seed of a list; leave it as it is for None."""
    VectorEnv.reset(vector_env, seed=seed[0] if isinstance(seed, list | tuple) else seed)


def draw_starts(
    vector_env: VectorEnv,
    seed: int | list[int] | None,
    draw: Callable[[np.random.Generator, int | None], np.ndarray],
) -> np.ndarray:
    """Start states for a native vector env's `reset(seed=...)`, drawn as the single env draws them.

    `draw(generator, size)` returns `size` start states, or one when `size` is None; the single
    environment's `reset` calls the same function with `self.np_random` and None. For a list of
    seeds, copy `i` starts as the single environment's `reset(seed=seed[i])` does (copies with the
    same seed share one draw); otherwise every copy draws from the vector env's own generator,
    seeded first when `seed` is an int.
    """
    seed_vector_env(vector_env, seed)
    if isinstance(seed, list | tuple):
        starts = {one: draw(seeding.np_random(one)[0], None) for one in dict.fromkeys(seed)}
        return np.stack([starts[one] for one in seed])
    return draw(vector_env.np_random, vector_env.num_envs)
