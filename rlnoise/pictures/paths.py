"""What a policy does over a whole episode, for an environment with more than one step per episode.

Per scene (start state) one picture, `rlnoise.pictures.canvas.SCENE_SIZE` pixels, the size a
TensorBoard Time Series image card shows an image at its own size: `PATHS` sampled episodes drawn
as paths in the plane the environment declares (`rlnoise.contract.path_positions`; by default the
observation's first two entries), where each ends coloured by the label it gets (`info["mode"]`,
grey for none) with the share of each in the legend, the deterministic episode's path, the
environment's `path_landmarks` (MultiGoal's goals), and, where the observation is the plane itself
and the action has as many coordinates (MultiGoal's velocity; a corridor's step), the deterministic
action over the plane as arrows. A position of one coordinate is drawn against the step, its arrows
along it at step -1. The axes contain every path and landmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from rlnoise.contract import observation_names, path_landmarks, path_positions
from rlnoise.pictures.canvas import FONT, pixels, scene_figure
from rlnoise.pictures.panels import PLAYED

PATHS = 32
"""Sampled episodes drawn per scene."""
FIELD_POINTS = 9
"""Arrows per axis of the deterministic action over the plane."""


@dataclass
class Paths:
    """A policy's episodes from a few scenes, in the plane of the environment's paths."""

    title: str
    scenes: np.ndarray
    """The scenes' start observations, `[scenes, *observation_shape]`."""
    sampled: list[list[np.ndarray]]
    """Per scene, `PATHS` sampled paths, each `[steps + 1, 1 or 2]` positions."""
    sampled_modes: list[list[str | None]]
    """Per scene, the label each sampled episode ended with (`None`: it reached none)."""
    deterministic: list[np.ndarray]
    """Per scene, the deterministic episode's path."""
    labels: tuple[str, ...]
    landmarks: list[dict[str, np.ndarray]]
    """Per scene, the environment's named points in the plane, each `[points, 1 or 2]`."""
    names: tuple[str, ...]
    """The plane's axis names."""
    field: tuple[np.ndarray, np.ndarray] | None = None
    """Where the deterministic action is drawn, `[points, 2]`, and the action there, `[points, 2]`."""


def multi_step(env: Any) -> bool:
    """Whether the environment's episodes last more than one step (its registered time limit)."""
    spec = env.spec
    return bool(spec is not None and (spec.max_episode_steps or 1) > 1)


def play_paths(policy: Any, adapter: Any, env: Any, evaluation: Any, seeds: list[int], title: str) -> Paths:
    """Play `PATHS` sampled episodes and one deterministic episode from each `reset(seed=s)` of
    `seeds`, with the sampling noise of a torch generator seeded by the evaluation's seed (the
    run's own random generators are left as they were)."""
    import torch

    from rlnoise.environments import make_vector_env
    from rlnoise.episodes import play_first_episodes
    from rlnoise.evaluation import observation_tensor, own_generator

    copies = PATHS + 1  # the last copy of each scene plays deterministically
    deterministic = np.arange(len(seeds) * copies) % copies == PATHS

    def choose(observations: np.ndarray) -> np.ndarray:
        inputs = observation_tensor(observations, evaluation.device)
        sampled = policy.act(inputs, False).cpu().numpy()
        played = policy.act(inputs, True).cpu().numpy()
        mask = deterministic.reshape(-1, *[1] * (sampled.ndim - 1))
        return adapter.to_env(np.where(mask, played, sampled))

    envs = make_vector_env(evaluation.env_id, len(seeds) * copies, evaluation.env_kwargs)
    with torch.no_grad(), own_generator(evaluation.device, evaluation.seed):
        played = play_first_episodes(
            envs, [seed for seed in seeds for _ in range(copies)], choose, record=True
        )
    envs.close()
    paths = [path_positions(env, path) for path in played.paths]
    scenes = played.starts[::copies]
    return Paths(
        title=title,
        scenes=scenes,
        sampled=[paths[scene * copies : scene * copies + PATHS] for scene in range(len(seeds))],
        sampled_modes=[
            list(played.modes[scene * copies : scene * copies + PATHS]) for scene in range(len(seeds))
        ],
        deterministic=[paths[scene * copies + PATHS] for scene in range(len(seeds))],
        labels=evaluation.labels,
        landmarks=[
            {name: points.reshape(len(points), -1) for name, points in path_landmarks(env, scene).items()}
            for scene in scenes
        ],
        names=_axis_names(env, paths[0].shape[1]),
        field=_field(policy, adapter, env, paths, scenes, evaluation.device),
    )


def _axis_names(env: Any, dims: int) -> tuple[str, ...]:
    """The plane's axis names: the observation's names when the plane is the observation."""
    names = observation_names(env)
    if getattr(env.unwrapped, "path_positions", None) is None and len(names) >= dims:
        return names[:dims]
    return tuple(f"position {axis}" for axis in range(dims))


def _field(
    policy: Any, adapter: Any, env: Any, paths: list[np.ndarray], scenes: np.ndarray, device: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """The deterministic action over a grid of the plane, where the plane is the observation itself
    (one or two entries) and the action has as many coordinates (a `Box`'s own, a `Discrete`
    space's declared `action_coordinates`); else None."""
    import torch

    from rlnoise.contract import action_coordinates
    from rlnoise.evaluation import observation_tensor

    dims, space = scenes[0].size, env.action_space
    declared = None if isinstance(space, spaces.Box) else action_coordinates(env)
    size = space.shape[0] if isinstance(space, spaces.Box) and len(space.shape) == 1 else None
    if declared is not None:
        size = declared.shape[1]
    if getattr(env.unwrapped, "path_positions", None) is not None or dims > 2 or size != dims:
        return None
    low = np.min([path.min(axis=0) for path in paths], axis=0)
    high = np.max([path.max(axis=0) for path in paths], axis=0)
    axes = [np.linspace(low[axis], high[axis], FIELD_POINTS) for axis in range(dims)]
    points = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, dims)
    with torch.no_grad():
        greedy = policy.greedy(observation_tensor(points.astype(np.float32), device)).cpu().numpy()
    actions = np.asarray(adapter.to_env(greedy))
    moves = actions.reshape(len(points), dims) if declared is None else declared[actions - int(space.start)]
    return points, np.asarray(moves, dtype=np.float64)


def draw_scene(paths: Paths, scene: int) -> np.ndarray:
    """One scene's picture, `SCENE_SIZE` pixels: an RGB image, `[height, width, 3]` uint8."""
    figure, width, height = scene_figure()
    top, bottom, left = 0.36, 0.42, 0.5
    side = height - top - bottom
    ax = figure.add_axes(
        (left / width, bottom / height, side / width if paths.names[1:] else 1.9 / width, side / height)
    )
    two_d = len(paths.names) == 2

    def place(path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A path's points on the axes: the plane, or the step against one coordinate."""
        return (path[:, 0], path[:, 1]) if two_d else (np.arange(len(path)), path[:, 0])

    _draw_episodes(ax, paths, scene, place, two_d)
    _fit_axes(ax, paths, scene, place, two_d)
    ax.set_xlabel(paths.names[0] if two_d else "step", fontsize=FONT, labelpad=1)
    ax.set_ylabel(paths.names[1] if two_d else paths.names[0], fontsize=FONT, labelpad=1)
    ax.tick_params(labelsize=FONT, pad=1)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    figure.legend(
        unique.values(),
        unique.keys(),
        loc="center left",
        bbox_to_anchor=((left + side + 0.05) / width, 0.45),
        fontsize=FONT,
        frameon=False,
        handlelength=1.2,
        borderaxespad=0,
        labelspacing=0.3,
    )
    observation = ", ".join(f"{value:.2f}" for value in np.asarray(paths.scenes[scene]).ravel()[:4])
    figure.suptitle(
        f"{paths.title}\nscene {scene} ({observation}): {PATHS} sampled episodes", fontsize=FONT, y=0.99
    )
    return pixels(figure)


def _draw_episodes(ax: Any, paths: Paths, scene: int, place: Any, two_d: bool) -> None:
    """The scene's sampled paths with where each ends (by label), the deterministic action over the
    plane, the landmarks, the deterministic path and the start, on axes placed by `place`."""
    colours = {label: f"C{number}" for number, label in enumerate(paths.labels)}
    ends = paths.sampled_modes[scene]
    for path in paths.sampled[scene]:
        ax.plot(*place(path), color="0.6", linewidth=0.6, alpha=0.6, zorder=1)
    if paths.field is not None:  # arrows over the plane; on a line, at step -1, along the position
        where, action = paths.field
        if two_d:
            ax.quiver(*where.T, *action.T, color="0.35", width=0.006, zorder=0, label="deterministic action")
        else:
            tails = (np.full(len(where), -1.0), where[:, 0])
            arrows = (np.zeros(len(where)), action[:, 0])
            ax.quiver(*tails, *arrows, angles="xy", scale_units="xy", scale=1, color="0.35", width=0.008,
                      zorder=0, label="deterministic action")  # fmt: skip
    for (name, points), marker in zip(paths.landmarks[scene].items(), ("o", "s", "D", "^"), strict=False):
        if two_d:
            ax.scatter(
                *points.T, s=90, facecolors="none", edgecolors="black", marker=marker, label=name, zorder=2
            )
        else:
            for value in points[:, 0]:
                ax.axhline(value, color="black", linestyle="--", linewidth=0.8, label=name, zorder=2)
    x, y = place(paths.deterministic[scene])
    ax.plot(x, y, color=PLAYED["color"], linewidth=2, label="deterministic path", zorder=4)
    for label in (*paths.labels, None):
        chosen = [path for path, end in zip(paths.sampled[scene], ends, strict=True) if end == label]
        if not chosen:
            continue
        last = np.array([[place(path)[0][-1], place(path)[1][-1]] for path in chosen])
        share = len(chosen) / len(ends)
        colour = "0.4" if label is None else colours[label]
        ax.scatter(*last.T, s=14, color=colour, zorder=3, label=f"ends {label or 'nowhere'} {share:.0%}")
    start = place(paths.deterministic[scene][:1])
    ax.plot(*start, "k+", markersize=8, zorder=5, label="start")


def _fit_axes(ax: Any, paths: Paths, scene: int, place: Any, two_d: bool) -> None:
    """Axes that contain every path and landmark of the scene, with a margin; equal in the plane."""
    points = [np.column_stack(place(path)) for path in [*paths.sampled[scene], paths.deterministic[scene]]]
    if two_d:
        points += [marks for marks in paths.landmarks[scene].values()]
        if paths.field is not None:
            points.append(paths.field[0])
    elif paths.field is not None:
        points.append(np.column_stack([np.full(len(paths.field[0]), -1.5), paths.field[0][:, 0]]))
    everything = np.concatenate(points)
    low, high = everything.min(axis=0), everything.max(axis=0)
    if not two_d:
        marks = [marks[:, 0] for marks in paths.landmarks[scene].values()]
        values = np.concatenate([everything[:, 1], *marks])
        low[1], high[1] = values.min(), values.max()
    if two_d:  # a square around the centre, so the plane keeps its proportions
        centre, half = (low + high) / 2, max((high - low).max() / 2, 0.5)
        low, high = centre - half, centre + half
    margin = 0.08 * np.maximum(high - low, 1e-6)
    ax.set_xlim(low[0] - margin[0], high[0] + margin[0])
    ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
    if two_d:
        ax.set_aspect("equal")


def tile(images: list[np.ndarray], columns: int = 2) -> np.ndarray:
    """Scene pictures side by side, `columns` to a row, on white."""
    height, width = images[0].shape[:2]
    rows = -(-len(images) // columns)
    canvas = np.full((rows * height, min(columns, len(images)) * width, 3), 255, dtype=np.uint8)
    for number, image in enumerate(images):
        row, column = divmod(number, columns)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = image
    return canvas
