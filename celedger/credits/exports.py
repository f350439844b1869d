"""CSV and XLSX files for transcripts and rosters (built in memory; rosters are small)."""

import csv
import io
from collections.abc import Iterable

from django.utils.timezone import localtime
from openpyxl import Workbook

from celedger.credits.models import Claim
from celedger.credits.selectors import Roster


def roster_header(roster: Roster) -> list[str]:
    """Times are the publisher's, and the header names the zone."""
    return [
        "Event ID",
        f"Session start ({roster.activity.publisher.time_zone})",
        "Learner",
        "Email",
        "Profession",
        "Attended",
        "Evaluated",
        "Credit type",
        "Hours",
    ]


def _cell(value: str) -> str:
    # Spreadsheet apps run cells that start with these as formulas.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def transcript_csv(claims: Iterable[Claim]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Date", "Activity", "Provider", "Credit type", "Hours", "Event ID"])
    for claim in claims:
        activity = claim.session.activity
        writer.writerow(
            [
                claim.session.starts_at.date().isoformat(),
                _cell(activity.title),
                _cell(activity.publisher.name),
                claim.designation.credit_type.name,
                f"{claim.hours:.2f}",
                claim.session.event_id,
            ]
        )
    return out.getvalue()


def roster_lines(roster: Roster) -> Iterable[list[str]]:
    zone = roster.activity.publisher.zone
    for row in roster.rows:
        base = [
            row.session.event_id,
            localtime(row.session.starts_at, zone).strftime("%Y-%m-%d %H:%M"),
            _cell(row.name),
            _cell(row.email),
            row.profession,
            "yes" if row.attended else "no",
            "yes" if row.evaluated else "no",
        ]
        if not row.claims:
            yield [*base, "", ""]
        for claim in row.claims:
            yield [*base, claim.designation.credit_type.name, f"{claim.hours:.2f}"]


def roster_csv(roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(roster_header(roster))
    writer.writerows(roster_lines(roster))
    return out.getvalue()


def roster_xlsx(roster: Roster) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet.append(roster_header(roster))
    for line in roster_lines(roster):
        sheet.append([*line[:-1], float(line[-1]) if line[-1] else None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
