"""Pictures of where a policy acts, chosen from what its environment declares (docs/design.md section 7).

A picture shows a few fixed scenes (the first distinct start states of the evaluation's
contexts, so every run on an environment shows the same ones) in the environment's action
coordinates. What is drawn follows from the declarations alone, never from the environment's id:

- two coordinates (a board's points, a plane): one panel per scene; a choice policy's
  probabilities as a heatmap over the points (a scatter where they form no grid), or a point
  policy's point, its exploration spread (an ellipse of one standard deviation) and the action
  that point plays (the point it rounds to, or is clipped to); the probability of the actions
  that have no coordinates (a pass) in the panel's title. Declared points that form a board are
  numbered from 1 (its rows and columns); a `Box`'s bins are labelled with their values. The axes
  reach past the action range to show a point and its spread outside it (at most `REACH` range
  widths; a point beyond that is drawn at the edge, with its coordinates);
- any other number of coordinates: one strip per scene and coordinate; a choice policy's
  probabilities (summed over the other coordinates), or a point policy's exploration density
  around its point, and the action it plays;
- a `Discrete` space without declared coordinates: its action numbers are the coordinate, so the
  strip is a histogram of the policy's actions.

TensorBoard gets each scene as its own card-sized picture (`scene_cards`). An environment with
more than one step per episode is also drawn over whole episodes, one
picture per scene (`rlnoise.pictures.paths`): sampled paths, where they end by label, the
deterministic path and action.

Everywhere the deterministic action (what the deterministic evaluation plays) is marked, and the
environment's `landmarks(observation)` (the bales, the stones) are drawn over the policy.
matplotlib draws off screen (its Agg canvas) and is imported only when a picture is made.

One module per job: `rlnoise.pictures.view` computes where the policy acts (torch),
`rlnoise.pictures.panels` draws the boards, points and strips of a run's picture,
`rlnoise.pictures.paths` a policy's whole episodes, `rlnoise.pictures.results` compare's figure
of a grid of runs, and `rlnoise.pictures.canvas` makes the off-screen figures they draw on, with
their sizes, renders them to pixels and saves PNG files.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnoise.pictures.canvas import save_png
from rlnoise.pictures.panels import draw, draw_card
from rlnoise.pictures.paths import draw_scene, multi_step, play_paths, tile
from rlnoise.pictures.results import results_picture
from rlnoise.pictures.view import View, distinct_indices, distinct_scenes, view

__all__ = [
    "draw",
    "path_pictures",
    "picture",
    "results_picture",
    "save_png",
    "scene_cards",
    "scenes_view",
    "tile",
    "view",
]


def scenes_view(policy: Any, adapter: Any, env: Any, observations: np.ndarray, device: str = "cpu") -> View:
    """Where the policy acts in the first distinct scenes of `observations`: the forward passes
    that every picture of them draws from."""
    return view(policy, adapter, env, distinct_scenes(observations), device)


def picture(
    policy: Any, adapter: Any, env: Any, observations: np.ndarray, title: str, device: str = "cpu"
) -> np.ndarray:
    """The picture of where the policy acts in the first distinct scenes of `observations`."""
    return draw(scenes_view(policy, adapter, env, observations, device), title)


def scene_cards(seen: View, title: str) -> list[np.ndarray]:
    """Where the policy acts in each scene of `seen`, one picture each, the size of a TensorBoard
    Time Series card (`rlnoise.pictures.panels.draw_card`)."""
    return [draw_card(seen, scene, title) for scene in range(len(seen.observations))]


def path_pictures(
    policy: Any, adapter: Any, env: Any, evaluation: Any, observations: np.ndarray, title: str
) -> list[np.ndarray]:
    """One picture per distinct scene of `observations` (the evaluation's contexts) of the policy's
    episodes from it, for an environment with more than one step per episode; none otherwise."""
    if not multi_step(env):
        return []
    paths = play_paths(policy, adapter, env, evaluation, distinct_indices(observations), title)
    return [draw_scene(paths, scene) for scene in range(len(paths.scenes))]
