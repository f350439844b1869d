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
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return f"'{value}"
    return value


_FORMULA_FIRST = frozenset(FORMULA_START)


def safe_row(row: Iterable[Any]) -> list[Any]:
    # safe_cell inlined: exports call this for every row (14 cells x 100,000 rows).
    return [
        f"'{value}" if isinstance(value, str) and value[:1] in _FORMULA_FIRST else value
        for value in row
    ]


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


# A one-sheet XLSX written row by row ------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
        'xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)


class XlsxWriter:
    """One sheet of an XLSX file written row by row into `raw` (a binary file), every row
    formula-safe. Memory stays flat however many rows: each row goes straight into the
    compressed sheet. About ten times faster than openpyxl's write-only mode, which makes
    a cell object per value (100,000 claims: 4 s instead of 40, docs/performance.md).

    Text is stored inline (no shared-string table), numbers as numbers, `None` as an empty
    cell; characters XML cannot hold are dropped. Use as a context manager.
    """

    def __init__(self, raw: IO[bytes], sheet_name: str) -> None:
        # Level 1: a third of the time of the default level for a file about 10% larger.
        self._zip = zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet_name = sheet_name
        self._rows = 0
        self._stream = io.TextIOWrapper(
            self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True), encoding="utf-8"
        )
        self._stream.write(_SHEET_HEAD)

    def __enter__(self) -> "XlsxWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _cell(value: Any) -> str:
        # Cells without a reference follow one another (ECMA-376 §18.3.1.4); `<c/>` keeps
        # the place of an empty one.
        kind = type(value)
        if kind is str:
            if not value.isprintable():
                value = _XML_ILLEGAL.sub("", value)
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
        if value is None:
            return "<c/>"
        if kind is bool:
            return f'<c t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float | Decimal):
            return f"<c><v>{value}</v></c>"
        return XlsxWriter._cell(str(value))

    def append(self, row: Iterable[Any]) -> None:
        self._rows += 1
        cells = "".join([self._cell(safe_cell(value)) for value in row])
        self._stream.write(f'<row r="{self._rows}">{cells}</row>')

    def close(self) -> None:
        if self._zip.fp is None:
            return
        self._stream.write("</sheetData></worksheet>")
        self._stream.close()
        name = self._sheet_name.translate(_XML_ESCAPES)  # an attribute: quotes too
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        for part, text in {**_PARTS, "xl/workbook.xml": workbook}.items():
            self._zip.writestr(part, text)
        self._zip.close()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(sheet_name: str, rows: Iterable[Iterable[Any]]) -> IO[bytes]:
    """A one-sheet XLSX written row by row into a temporary file, rewound: a view serves
    it with FileResponse (which closes it), so memory stays flat however many rows."""
    raw = tempfile.TemporaryFile()  # noqa: SIM115  (returned open: the response closes it)
    try:
        with XlsxWriter(raw, sheet_name) as sheet:
            for row in rows:
                sheet.append(row)
    except BaseException:
        raw.close()
        raise
    raw.seek(0)
    return raw


def xlsx_bytes(sheet_name: str, rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole one-sheet XLSX in memory (small files: rosters, attempts)."""
    out = io.BytesIO()
    with XlsxWriter(out, sheet_name) as sheet:
        for row in rows:
            sheet.append(row)
    return out.getvalue()
