"""CSV and XLSX files for transcripts and rosters (built in memory; rosters are small)."""

import io
from collections.abc import Iterable

from django.utils.timezone import localtime
from openpyxl import Workbook

from celedger.core.spreadsheets import SafeCsvWriter, safe_cell, sheet_append
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


def transcript_csv(claims: Iterable[Claim]) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(
        # "Amount" and its unit words, never "Hours": MOC points and credits are not hours.
        [
            "Date",
            "Activity",
            "Session",
            "Provider",
            "Credit type",
            "Amount",
            "Unit",
            "Event ID",
            "UAN",
        ]
    )
    for claim in claims:
        activity = claim.session.activity
        writer.writerow(
            [
                claim.participated_on.isoformat(),
                safe_cell(activity.title),
                safe_cell(claim.session.topic),
                safe_cell(activity.publisher.name),
                claim.designation.credit_type.name,
                f"{claim.hours:.2f}",
                claim.designation.credit_type.unit_for(claim.hours),
                claim.session.event_id,
                claim.uan,
            ]
        )
    return out.getvalue()


def roster_lines(roster: Roster) -> Iterable[list[str]]:
    zone = roster.activity.publisher.zone
    for row in roster.rows:
        base = [
            row.session.event_id,
            localtime(row.session.starts_at, zone).strftime("%Y-%m-%d %H:%M"),
            safe_cell(row.name),
            safe_cell(row.email),
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
    writer = SafeCsvWriter(out)
    writer.writerow(roster_header(roster))
    writer.writerows(roster_lines(roster))
    return out.getvalue()


def roster_xlsx(roster: Roster) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet_append(sheet, roster_header(roster))
    for line in roster_lines(roster):
        sheet_append(sheet, [*line[:-1], float(line[-1]) if line[-1] else None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
