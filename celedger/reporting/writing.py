"""Pieces every export writer shares: the output note, text files, progress, formula-safe
cells and validation against ACCME's JSON schemas (our fixed copies in schemas/)."""

import datetime
import io
import json
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any, TypeVar

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from celedger.core.spreadsheets import safe_cell as core_safe_cell
from celedger.reporting.models import ExportJob

PROGRESS_EVERY = 500
CHUNK_SIZE = 1000
SCHEMAS = Path(__file__).parent / "schemas"
LEARNER_SCHEMA = "accme-pars-learner-reports.schema_v0_5.json"
ACTIVITY_SCHEMA = "accme-pars-activity.schema_v0_1_2.json"

T = TypeVar("T")


class ExportError(Exception):
    """A failure the coordinator can act on; its message is shown as is."""


@dataclass
class Output:
    """What a writer produced: the file's name and the notes shown beside the job."""

    filename: str
    result: dict[str, Any] = field(default_factory=dict)
    # Reporting records the file sends: marked exported once the file is stored.
    record_ids: "array[int] | None" = None


def safe_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (core's rule)."""
    return str(core_safe_cell(value))


def hours_text(value: Decimal) -> str:
    return f"{value:.2f}"


class Text:
    """A UTF-8 text view of a binary temporary file that leaves the file open."""

    def __init__(self, raw: IO[bytes], *, bom: bool = False) -> None:
        self.wrapper = io.TextIOWrapper(
            raw,  # type: ignore[arg-type]
            encoding="utf-8-sig" if bom else "utf-8",
            newline="",
        )

    def __enter__(self) -> io.TextIOWrapper:
        return self.wrapper

    def __exit__(self, *exc: object) -> None:
        self.wrapper.flush()
        self.wrapper.detach()


def progress[T](job: ExportJob, rows: Iterable[T]) -> Iterator[T]:
    """Pass rows through, writing `done` every PROGRESS_EVERY rows."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(done=done)
    job.done = done


def set_total(job: ExportJob, total: int) -> None:
    job.total = total
    ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)


def stamp(job: ExportJob) -> str:
    return f"{job.publisher.code}-{job.params['date_from']}-to-{job.params['date_to']}"


RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)
# jsonschema checks "date-time" only with the optional rfc3339-validator package
# installed; without it the format would pass silently, so it is checked here.
FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339_DATE_TIME.match(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_errors(document: dict[str, Any], name: str) -> list[str]:
    """Every place `document` breaks the schema, as "path: message" (empty when valid)."""
    validator = Draft202012Validator(schema(name), format_checker=FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def schema_validate(document: dict[str, Any], name: str, what: str) -> None:
    """Raise ExportError naming the first problem if `document` breaks the schema."""
    validator = Draft202012Validator(schema(name), format_checker=FORMAT_CHECKER)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ExportError(
            f"The file does not match ACCME's {what} schema at {where}: {error.message}"
        )
