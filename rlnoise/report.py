"""Plain-text tables of evaluation figures, as the commands print them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COLUMNS = ("return", "coverage", "mode_entropy", "collapse_rate", "majority_share", "outcome")


def format_cell(value: Any) -> str:
    """A figure as printed: numbers with three decimals, words as they are."""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(rows: Mapping[str, Mapping[str, Any]], first: str = "evaluation") -> str:
    """An aligned text table: one row per entry of `rows`, one column per figure."""
    header = [first, *COLUMNS]
    body = [[name, *(format_cell(row.get(column, "")) for column in COLUMNS)] for name, row in rows.items()]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines
    )
