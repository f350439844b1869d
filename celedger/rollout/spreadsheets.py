"""Reading uploaded sheets (CSV or XLSX) into header + rows, and guessing the columns.

No domain rules here: `selectors.import_preview` checks the rows against the database.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# Target fields and the headers other systems use for them (normalised: lower case,
# letters and digits only, single spaces). Zoom's attendance report: "Name (original
# name)", "User Email"/"Email", "Duration (minutes)".
FIELD_LABELS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (split into first and last)",
    "license_number": "License number",
    "license_state": "License state",
    "nabp_id": "NABP e-Profile ID",
    "hours": "Hours",
    "activity_title": "Activity title",
    "provider": "Provider",
    "completed_on": "Date completed",
    "credit_type": "Credit type",
}
SYNONYMS = {
    "email": [
        "email",
        "e mail",
        "email address",
        "user email",
        "attendee email",
        "e mail address",
    ],
    "first_name": ["first name", "first", "given name", "firstname", "fname"],
    "last_name": ["last name", "last", "surname", "family name", "lastname", "lname"],
    "full_name": ["name", "full name", "name original name", "participant", "attendee", "learner"],
    "license_number": ["license", "license number", "license no", "lic", "license num"],
    "license_state": ["license state", "state of license", "lic state"],
    "nabp_id": [
        "nabp",
        "nabp id",
        "nabp e profile id",
        "e profile id",
        "eprofile id",
        "nabp number",
    ],
    "hours": [
        "hours",
        "credits",
        "credit hours",
        "contact hours",
        "credit",
        "amount",
        "ceu hours",
    ],
    "activity_title": ["activity", "activity title", "title", "course", "course title", "program"],
    "provider": ["provider", "accredited provider", "sponsor", "organization", "provider name"],
    "completed_on": ["date", "completed", "completion date", "date completed", "activity date"],
    "credit_type": ["credit type", "type", "credit designation", "designation"],
}
KIND_FIELDS = {
    "attendance": [
        "email",
        "first_name",
        "last_name",
        "full_name",
        "license_number",
        "license_state",
        "nabp_id",
    ],
    "credit": [
        "email",
        "first_name",
        "last_name",
        "full_name",
        "license_number",
        "license_state",
        "nabp_id",
        "hours",
    ],
    "historical": [
        "email",
        "first_name",
        "last_name",
        "full_name",
        "license_number",
        "license_state",
        "nabp_id",
        "activity_title",
        "provider",
        "completed_on",
        "credit_type",
        "hours",
    ],
}


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    # Data rows as (spreadsheet line number, cells), blank lines dropped.
    rows: list[tuple[int, list[str]]]


def normalise_header(value: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value.lower()).split())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_lines(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise ValidationError("The file is not readable text.")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_lines(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationError("This is not a readable Excel (.xlsx) file.") from error
    sheet = workbook.worksheets[0]
    lines = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return lines


def _header_index(lines: list[list[str]]) -> int:
    """The first line that names at least two known columns (Zoom puts meeting details
    above the participant table)."""
    known = {s for names in SYNONYMS.values() for s in names}
    for index, line in enumerate(lines[:50]):
        if sum(1 for cell in line if normalise_header(cell) in known) >= 2:
            return index
    raise ValidationError(
        "No header row found: the first rows should name the columns (e.g. Email, First name)."
    )


def read_sheet(*, content: bytes, file_name: str) -> Sheet:
    """Parse CSV or XLSX bytes; ValidationError with a sentence for anything unreadable."""
    if len(content) > MAX_BYTES:
        raise ValidationError("The file is larger than 5 MB; split it into smaller files.")
    if file_name.lower().endswith(".xlsx") or content[:2] == b"PK":
        lines = _xlsx_lines(content)
    elif file_name.lower().endswith((".csv", ".txt", ".tsv")):
        lines = _csv_lines(content)
    else:
        raise ValidationError("Upload a .csv or .xlsx file.")
    start = _header_index(lines)
    headers = [h.strip() for h in lines[start]]
    rows = []
    for offset, line in enumerate(lines[start + 1 :], start=start + 2):
        cells = [*line, *[""] * (len(headers) - len(line))][: len(headers)]
        if any(cells):
            rows.append((offset, cells))
    if not rows:
        raise ValidationError("The file has a header row but no data rows.")
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"The file has more than {MAX_ROWS:,} rows; split it.")
    return Sheet(headers=headers, rows=rows)


def guess_mapping(*, headers: list[str], kind: str) -> dict[str, str]:
    """Target field -> the header that most likely holds it ("" when none does)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    normalised = {h: normalise_header(h) for h in headers}
    for field in KIND_FIELDS[kind]:
        mapping[field] = ""
        for synonym in SYNONYMS[field]:
            match = next((h for h in headers if normalised[h] == synonym and h not in used), "")
            if match:
                mapping[field] = match
                used.add(match)
                break
    if mapping.get("first_name") and mapping.get("last_name"):
        mapping["full_name"] = ""
    return mapping


def split_full_name(value: str) -> tuple[str, str]:
    """ "Núñez, Ana" or "Ana María Núñez" -> ("Ana", "Núñez") / ("Ana María", "Núñez")."""
    value = " ".join(value.split())
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip(), last.strip()
    first, _, last = value.rpartition(" ")
    return first.strip(), last.strip()


DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d-%b-%Y", "%b %d, %Y", "%B %d, %Y")


def parse_date(value: str) -> datetime.date | None:
    value = value.strip()
    if "T" in value[:11] and len(value) > 10:
        value = value[:10]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None
