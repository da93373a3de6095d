"""Tables of evaluation figures: plain text as the commands print them, and markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rlnoise.metrics import FIGURES

TABLE_COLUMNS = ("return", *FIGURES, "outcome", "outcome_shares")


def format_shares(shares: Mapping[str, float]) -> str:
    """The outcomes of the start states, most common first: `97% covering, 3% mixed`."""
    present = sorted(((share, name) for name, share in shares.items() if share > 0), reverse=True)
    return ", ".join(f"{share:.0%} {name}" for share, name in present)


def format_cell(value: Any) -> str:
    """A figure as printed: numbers with three decimals, outcome shares as percentages, words as they are."""
    if isinstance(value, Mapping):
        return format_shares(value)
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def cells(
    rows: Mapping[str, Mapping[str, Any]], first: str, columns: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """The header and the formatted body of a table: one row per entry of `rows`."""
    body = [[name, *(format_cell(row.get(column, "")) for column in columns)] for name, row in rows.items()]
    return [first, *columns], body


def table(
    rows: Mapping[str, Mapping[str, Any]], first: str = "evaluation", columns: Sequence[str] = TABLE_COLUMNS
) -> str:
    """An aligned text table: one row per entry of `rows`, one column per figure."""
    header, body = cells(rows, first, columns)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines
    )


def markdown(
    rows: Mapping[str, Mapping[str, Any]], first: str = "evaluation", columns: Sequence[str] = TABLE_COLUMNS
) -> str:
    """The same table in markdown."""
    header, body = cells(rows, first, columns)
    lines = [header, ["-" * len(cell) for cell in header], *body]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)
