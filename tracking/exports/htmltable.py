"""Small HTML helpers for the report: escaping (URLs defanged), numbers, tables."""

from __future__ import annotations

import html
import math
import re


def defang(text: str) -> str:
    """Escape text for HTML and write any URL in it as ``scheme[:]//host`` so it is text, not a link."""
    return re.sub(r"\b(https?|ftp|wss?)://", r"\1[:]//", html.escape(str(text)), flags=re.I)


def num(value, digits: int = 1) -> str:
    """A number for a table cell: thousands separated, ``digits`` decimals, "–" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return defang(value)


def table(rows: list[dict], columns: list[tuple[str, str, int]]) -> str:
    """columns: (key, header, decimals; -1 for text)."""
    head = "".join(f'<th class="{"l" if d < 0 else ""}">{defang(h)}</th>' for _, h, d in columns)
    body = []
    for r in rows:
        cells = "".join(f'<td class="l">{defang(r.get(k, ""))}</td>' if d < 0 else f"<td>{num(r.get(k), d)}</td>"
                        for k, _, d in columns)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
