"""How pending records leave: one Sender per channel behind one protocol.

Today both channels send a file batch (built in the background; the coordinator uploads
it to PARS or CPE Monitor and brings the response back). A web-service client (PARS web
services, NABP's) is another Sender registered in SENDERS; nothing else changes.
"""

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

from celedger.publishers.models import Publisher
from celedger.reporting.models import ExportJob, ReportingRecord
from celedger.reporting.services import export_start

Channel = ReportingRecord.Channel


class Sender(Protocol):
    @property
    def label(self) -> str: ...

    def send(
        self,
        *,
        publisher: Publisher,
        requested_by: Any,
        date_from: datetime.date,
        date_to: datetime.date,
    ) -> ExportJob: ...


@dataclass(frozen=True)
class FileBatchSender:
    """Builds the channel's batch file as a background export job."""

    kind: str
    label: str
    file_format: str

    def send(
        self,
        *,
        publisher: Publisher,
        requested_by: Any,
        date_from: datetime.date,
        date_to: datetime.date,
    ) -> ExportJob:
        return export_start(
            publisher=publisher,
            requested_by=requested_by,
            kind=self.kind,
            date_from=date_from,
            date_to=date_to,
            file_format=self.file_format,
        )


SENDERS: dict[str, Sender] = {
    Channel.CPE_MONITOR: FileBatchSender(
        kind=ExportJob.Kind.CPE_MONITOR, label="CPE Monitor batch file", file_format="csv"
    ),
    Channel.PARS: FileBatchSender(
        kind=ExportJob.Kind.PARS_MOC, label="PARS learner JSON file", file_format="json"
    ),
}


def records_send(
    *, publisher: Publisher, channel: str, requested_by: Any, today: datetime.date
) -> ExportJob:
    """Send every pending record of the channel (participation in the last 2 years)."""
    return SENDERS[channel].send(
        publisher=publisher,
        requested_by=requested_by,
        date_from=today - datetime.timedelta(days=730),
        date_to=today,
    )
