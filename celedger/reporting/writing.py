"""Pieces every export writer shares: the output note, text files, progress, formula-safe
cells and validation against ACCME's JSON schemas (our fixed copies in schemas/)."""

import datetime
import io
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
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
    sent: "SentRecords | None" = None


class SentRecords:
    """The records a file sends, each with the `updated_at` it was read with: a record
    changed while the file was written is not marked as sent with values it did not send.
    Two arrays of 8-byte integers, so memory stays flat (100,000 records: 1.6 MB)."""

    def __init__(self) -> None:
        self.ids: array[int] = array("q")
        self.stamps: array[int] = array("q")

    def add(self, pk: int, updated_at: datetime.datetime) -> None:
        self.ids.append(pk)
        self.stamps.append(_micros(updated_at))

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[int, datetime.datetime]]:
        for pk, micros in zip(self.ids, self.stamps, strict=True):
            yield pk, _EPOCH + datetime.timedelta(microseconds=micros)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // datetime.timedelta(microseconds=1)


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


# What `schema_check` understands; anything else in a schema makes it refuse to compile.
_IGNORED = {"description", "title", "$comment", "examples", "default", "$schema", "$id"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


def _is_multiple(value: float, step: float) -> bool:
    # jsonschema's rule: exact fractions when the float quotient overflows.
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(value) / Fraction(step)).denominator == 1
    return value % step == 0


def _object_check(
    required: frozenset[str], properties: dict[str, Callable[[Any], bool]], extra: bool
) -> Callable[[Any], bool]:
    def check_object(v: Any) -> bool:
        if not isinstance(v, dict) or not required <= v.keys():
            return False
        for key, value in v.items():
            check = properties.get(key)
            if check is None:
                if extra is False:
                    return False
            elif not check(value):
                return False
        return True

    return check_object


def schema_check(node: dict[str, Any]) -> Callable[[Any], bool]:
    """A yes/no check of `node` (a JSON schema without references or combinators), built
    once: about 30 times faster per document than jsonschema, which then only explains
    a "no". It follows jsonschema on the keywords it knows (formats through the same
    FORMAT_CHECKER) and raises NotImplementedError on any other keyword, so it never
    passes what it did not check."""
    checks: list[Callable[[Any], bool]] = []
    unknown = set(node) - _IGNORED - {
        "type", "required", "properties", "additionalProperties", "items", "minItems",
        "maxItems", "enum", "const", "pattern", "format", "minLength", "maxLength",
        "multipleOf",
    }  # fmt: skip
    if unknown:
        raise NotImplementedError(f"schema_check does not know {sorted(unknown)}")
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        tests = [_TYPES[n] for n in names]
        checks.append(tests[0] if len(tests) == 1 else lambda v: any(t(v) for t in tests))
    if "enum" in node:
        allowed = node["enum"]
        checks.append(lambda v: v in allowed)
    if "const" in node:
        const = node["const"]
        checks.append(lambda v: v == const)
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "format" in node:
        fmt = node["format"]
        checks.append(lambda v: FORMAT_CHECKER.conforms(v, fmt))
    if "minLength" in node:
        shortest = node["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= shortest)
    if "maxLength" in node:
        longest = node["maxLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) <= longest)
    if "multipleOf" in node:
        step = node["multipleOf"]
        checks.append(lambda v: not _TYPES["number"](v) or _is_multiple(v, step))
    if "minItems" in node:
        fewest = node["minItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) >= fewest)
    if "maxItems" in node:
        most = node["maxItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) <= most)
    required = frozenset(node.get("required", ()))
    properties = {k: schema_check(sub) for k, sub in node.get("properties", {}).items()}
    extra = node.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise NotImplementedError("schema_check takes additionalProperties true or false only")
    if node.get("type") == "object" and len(checks) == 1:
        # The common object: its type, keys and properties in one call (no layers).
        return _object_check(required, properties, extra)
    if required:
        checks.append(lambda v: not isinstance(v, dict) or required <= v.keys())
    if properties or extra is False:

        def check_properties(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                check = properties.get(key)
                if check is None:
                    if extra is False:
                        return False
                elif not check(value):
                    return False
            return True

        checks.append(check_properties)
    if "items" in node:
        item = schema_check(node["items"])

        def check_items(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            for x in v:  # noqa: SIM110  (a loop: faster than all() on a generator)
                if not item(x):
                    return False
            return True

        checks.append(check_items)
    if len(checks) == 1:
        return checks[0]

    def check_all(v: Any) -> bool:
        for check in checks:  # noqa: SIM110  (a loop: twice as fast as all() on a generator)
            if not check(v):
                return False
        return True

    return check_all


def schema_validate(document: dict[str, Any], name: str, what: str) -> None:
    """Raise ExportError naming the first problem if `document` breaks the schema."""
    validator = Draft202012Validator(schema(name), format_checker=FORMAT_CHECKER)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ExportError(
            f"The file does not match ACCME's {what} schema at {where}: {error.message}"
        )
