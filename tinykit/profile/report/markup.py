"""Small HTML builders that escape every piece of text they are given, so no
value read from a profile file can open a tag or an attribute."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def text(value: object) -> str:
    """Any value as HTML text (quotes escaped too, so it is safe in attributes)."""
    return escape(str(value), quote=True)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], css_class: str) -> str:
    """A table of plain-text cells; the first column is a row heading."""
    head = "".join(f'<th scope="col">{text(cell)}</th>' for cell in header)
    body = "".join(
        f'<tr><th scope="row">{text(row[0])}</th>' + "".join(f"<td>{text(cell)}</td>" for cell in row[1:]) + "</tr>"
        for row in rows
    )
    return f'<table class="{text(css_class)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def fact_list(items: Sequence[tuple[str, str]]) -> str:
    """A list of named facts (name, plain-text value), drawn as two columns."""
    rows = "".join(f"<dt>{text(name)}</dt><dd>{text(value)}</dd>" for name, value in items)
    return f'<dl class="facts">{rows}</dl>'
