"""The canvas of every picture: off-screen matplotlib figures, their sizes, their pixels and PNG files.

A run's picture is `CARD_WIDTH` pixels wide and a scene's card `SCENE_SIZE` pixels, both sized
for TensorBoard's Time Series cards; `new_figure` lays out a grid of axes with margins in inches
(compare's and sweep's figures too), `pixels` renders a figure as an RGB array and `save_png`
writes one atomically. matplotlib is imported only when a figure is made.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from rlnoise.files import write_bytes

DPI = 80
FONT = 8
"""The smallest text of every picture, in points at its saved size (about 9 pixels at `DPI`), the
smallest that stays legible."""
CARD_WIDTH = 326
"""The width of a run's picture, in pixels (its height grows with its scenes). A TensorBoard Time
Series card's image box is 319 x 215 pixels (TensorBoard 2.21 in Chromium, a 1280 x 900 window),
so this picture, taller than that, is shown scaled down there and at its own size in the IMAGES
dashboard and `policy.png`; `SCENE_SIZE` is sized for the card."""
SCENE_SIZE = (318, 214)
"""A scene's picture, (width, height) in pixels: the largest a TensorBoard Time Series image card
shows at its own size (TensorBoard 2.21 in Chromium, a 1280 x 900 window, the default card width:
its image box is 319 x 215 pixels and a larger image is scaled down into it)."""


def new_figure(
    rows: int,
    columns: int,
    cell: tuple[float, float],
    left: float,
    right: float,
    top: float = 0.45,
    bottom: float = 0.95,
):
    """An off-screen figure with a grid of axes, margins in inches (the top's for a title, the
    bottom's for a legend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = cell[0] * columns + left + right, cell[1] * rows + top + bottom
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False)
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=0.5,
        wspace=0.25,
    )
    return figure, axes


def pixels(figure: Any) -> np.ndarray:
    """The figure rendered as an RGB array."""
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()


def scene_figure() -> tuple[Any, float, float]:
    """An off-screen figure of `SCENE_SIZE` pixels, with its width and height in inches."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = (size / DPI for size in SCENE_SIZE)
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, width, height


def save_png(image: np.ndarray, path: str | Path) -> None:
    """Write an RGB image as a PNG file, atomically (`rlnoise.files`)."""
    from matplotlib.image import imsave

    png = io.BytesIO()
    imsave(png, image, format="png")
    write_bytes(path, png.getvalue())
