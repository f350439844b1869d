"""The streamed XLSX writer: a file openpyxl (and so Excel's format) reads back as written."""

import io
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl

from celedger.core.spreadsheets import XlsxWriter, xlsx_bytes


def read(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.values]


def test_it_writes_text_numbers_and_blanks_in_their_places() -> None:
    data = xlsx_bytes(
        "Roster & co",
        [["Name", "Hours", "Note"], ["Łukasiewicz <b>", Decimal("1.50"), None, True, 3, ""]],
    )
    assert read(data) == [
        ["Name", "Hours", "Note"],  # no <dimension>: a streamed sheet cannot know it first
        ["Łukasiewicz <b>", 1.5, None, True, 3, ""],
    ]
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Roster & co"]


def test_it_makes_formulas_text_and_drops_what_xml_cannot_hold() -> None:
    data = xlsx_bytes("S", [['=HYPERLINK("http://x")', "-1+2", "ok\x01\x0bdone", "tab\tin"]])
    assert read(data) == [['\'=HYPERLINK("http://x")', "'-1+2", "okdone", "tab\tin"]]
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_it_streams_rows_in_flat_memory() -> None:
    row = ["Ada Lovelace", "ada@example.org", "MD", 1.5, "2026-11-30"]

    def peak(rows: int) -> int:
        tracemalloc.start()
        with XlsxWriter(io.BytesIO(), "S") as sheet:  # the file grows, Python memory not
            for _ in range(rows):
                sheet.append(row)
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    small, large = peak(2_000), peak(20_000)
    assert large < small * 2, (small, large)
