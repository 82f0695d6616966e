"""Document text in a spreadsheet stays text: no cell written by zhenggai becomes a live formula.

Quotes, titles and unit names come from untrusted files. A value such as `=HYPERLINK(...)` would be
stored by openpyxl as a formula and evaluated when the ledger is opened (formula injection), and
values starting with + - @ or a tab/CR are read as formulas when the sheet is re-entered or exported
to CSV. Every such cell is marked as a string with Excel's quote prefix, which shows and keeps it as
typed text.
"""
from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def keep_as_text(ws: Worksheet) -> int:
    """Turn every formula-like text cell of ws into a quote-prefixed string; returns how many."""
    changed = 0
    for row in ws.iter_rows():
        for cell in row:
            if looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed
