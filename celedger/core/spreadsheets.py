"""One formula-safe writer for every CSV and XLSX export (TEAM.md interface 7).

A spreadsheet program runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`). OWASP ASVS 5.0 requirement
1.2.10 (read at asvs.emil.hemdal.se/1.2.10, a rendering of the ASVS source
0x10-V1-Encoding-and-Sanitization.md) asks that CSV, XLS(X) and ODF exports escape a first
character of `=`, `+`, `-`, `@`, tab or NUL with a single quote; CR and LF are added here
because spreadsheet programs skip them before a formula. Every text cell goes through
`safe_cell`; numbers, dates and empty cells pass unchanged, so sums still work.
"""

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return f"'{value}"
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


class SafeCsvWriter:
    """csv.writer with every row made formula-safe; `writerow` returns what csv returns
    (the line, when the file is an echo buffer for streaming)."""

    def __init__(self, file: _Writable, **kwargs: Any) -> None:
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Appendable(Protocol):
    def append(self, iterable: Iterable[Any], /) -> Any: ...


def sheet_append(sheet: _Appendable, row: Iterable[Any]) -> None:
    """Append a formula-safe row to an openpyxl sheet (openpyxl stores "=…" as a formula)."""
    sheet.append(safe_row(row))
