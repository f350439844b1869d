"""CSV and XLSX files for transcripts and rosters (built in memory; rosters are small)."""

import io
import itertools
from collections.abc import Iterable
from typing import Any

from django.utils.timezone import localtime

from celedger.core.spreadsheets import SafeCsvWriter, safe_cell, xlsx_bytes
from celedger.credits.models import ExternalCredit
from celedger.credits.selectors import Roster, transcript_row


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


# "Amount" and its unit words, never "Hours": MOC points and credits are not hours.
TRANSCRIPT_HEADER = [
    "Date",
    "Activity",
    "Session",
    "Provider",
    "Credit type",
    "Amount",
    "Unit",
    "Event ID",
    "UAN",
    "Source",
]


def transcript_csv(rows: Iterable[tuple[Any, ...]], external: Iterable[ExternalCredit]) -> str:
    """The transcript's claims (value tuples from `transcript_rows`), then the credit
    imported from other systems, marked "external" as on the page."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(TRANSCRIPT_HEADER)
    for values in rows:
        row = transcript_row(values)
        writer.writerow(
            [
                row.participated_on.isoformat(),
                safe_cell(row.activity_title),
                safe_cell(row.session_topic),
                safe_cell(row.provider),
                row.credit_type,
                f"{row.hours:.2f}",
                row.unit.unit_singular if row.hours == 1 else row.unit.unit,
                row.event_id,
                row.uan,
                "CE Ledger",
            ]
        )
    for credit in external:
        credit_type = credit.credit_type
        writer.writerow(
            [
                credit.completed_on.isoformat(),
                safe_cell(credit.activity_title),
                "",
                safe_cell(credit.provider_name),
                safe_cell(credit_type.name if credit_type else credit.credit_type_label),
                f"{credit.hours:.2f}",
                credit_type.unit_for(credit.hours) if credit_type else "",
                "",
                "",
                "external (imported)",
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
    lines = ([*line[:-1], float(line[-1]) if line[-1] else None] for line in roster_lines(roster))
    return xlsx_bytes("Roster", itertools.chain([roster_header(roster)], lines))
