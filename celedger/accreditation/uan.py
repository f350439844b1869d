"""ACPE Universal Activity Numbers: parse, normalize, and say exactly which part is wrong.

A UAN has six parts (ACPE, "Universal Activity Numbers"; docs/credits.md):

    0197-0000-26-035-L01-P          an ACPE-accredited provider (4 digits)
    JA4008106-0000-26-035-H01-P     a jointly accredited provider (JA + 7 digits)
    |         |    |  |   |||  `-- P pharmacists, T pharmacy technicians
    |         |    |  |   |`+----- topic designator
    |         |    |  |   `------- L live, H home study
    |         |    |  `----------- sequence number
    |         |    `-------------- year
    |         `------------------- 0000 sole provider, 9999 joint providership
    `----------------------------- provider

Typed with any case, spaces and dashes (or none); stored normalized with dashes. Pure: no
database, so the activity form, imports and tests share it.
"""

import re
from dataclasses import dataclass

# ACPE topic designators. Only the ones a readable source confirmed are accepted
# (docs/credits.md, "UAN"); add a newly published one here with its source.
TOPICS: dict[str, str] = {
    "01": "Disease state management/drug therapy",
    "02": "HIV/AIDS therapy",
    "03": "Law related to pharmacy practice",
    "04": "General pharmacy",
    "05": "Patient safety",
    "06": "Immunizations",
    "07": "Compounding",
    "08": "Pain management/opioids",
}

FORMATS = {"L": "live", "H": "home study"}
AUDIENCES = {"P": "pharmacists", "T": "pharmacy technicians"}
EXAMPLE = "0123-0000-26-001-L01-P"

_COMPACT = re.compile(
    r"^(?P<provider>JA\d{7}|\d{4})(?P<joint>\d{4})(?P<year>\d{2})(?P<sequence>\d{3})"
    r"(?P<format>[A-Z])(?P<topic>\d{2})(?P<audience>[A-Z])$"
)
_PART_NAMES = ("provider", "joint", "year", "sequence", "format and topic", "audience")


class UanError(ValueError):
    """What is wrong with a typed UAN, in words a coordinator can act on."""


@dataclass(frozen=True)
class Uan:
    provider: str  # "0197" or "JA4008106"
    joint: str  # "0000" or "9999"
    year: str
    sequence: str
    format: str  # "L" or "H"
    topic: str  # "01"
    audience: str  # "P" or "T"

    def __str__(self) -> str:
        return (
            f"{self.provider}-{self.joint}-{self.year}-{self.sequence}-"
            f"{self.format}{self.topic}-{self.audience}"
        )

    @property
    def is_home_study(self) -> bool:
        return self.format == "H"

    @property
    def topic_name(self) -> str:
        return TOPICS[self.topic]


def _parts(text: str) -> list[str]:
    cleaned = re.sub(r"\s+", "", text).upper()
    if "-" in cleaned:
        return [part for part in cleaned.split("-") if part]
    match = _COMPACT.match(cleaned)
    if match is None:
        raise UanError(
            f"Enter the UAN in six parts, e.g. {EXAMPLE} (or JA4008106-0000-26-001-L01-P)."
        )
    groups = match.groupdict()
    return [
        groups["provider"],
        groups["joint"],
        groups["year"],
        groups["sequence"],
        groups["format"] + groups["topic"],
        groups["audience"],
    ]


def uan_parse(text: str) -> Uan:
    """The UAN in `text`, or UanError naming the first wrong part."""
    parts = _parts(text)
    if len(parts) != 6:
        raise UanError(
            f"A UAN has six parts separated by dashes (e.g. {EXAMPLE}); this one has {len(parts)}."
        )
    provider, joint, year, sequence, format_topic, audience = parts
    if not re.fullmatch(r"\d{4}|JA\d{7}", provider):
        raise UanError(
            f"The provider part “{provider}” must be 4 digits (an ACPE provider number) or "
            "JA and 7 digits (a Joint Accreditation provider ID)."
        )
    if joint not in ("0000", "9999"):
        raise UanError(
            f"The second part “{joint}” must be 0000 (sole provider) or 9999 (joint providership)."
        )
    if not re.fullmatch(r"\d{2}", year):
        raise UanError(f"The year part “{year}” must be two digits, e.g. 26 for 2026.")
    if not re.fullmatch(r"\d{3}", sequence):
        raise UanError(f"The sequence part “{sequence}” must be three digits, e.g. 001.")
    if not re.fullmatch(r"[A-Z]\d{2}", format_topic):
        raise UanError(
            f"The fifth part “{format_topic}” must be L (live) or H (home study) followed by "
            "a two-digit topic designator, e.g. L01."
        )
    letter, topic = format_topic[0], format_topic[1:]
    if letter not in FORMATS:
        raise UanError(
            f"The format letter “{letter}” in “{format_topic}” must be L (live) or H (home study)."
        )
    if topic not in TOPICS:
        known = ", ".join(f"{code} {name.lower()}" for code, name in TOPICS.items())
        raise UanError(f"The topic designator “{topic}” is not an ACPE topic ({known}).")
    if audience not in AUDIENCES:
        raise UanError(
            f"The last part “{audience}” must be P (pharmacists) or T (pharmacy technicians)."
        )
    return Uan(provider, joint, year, sequence, letter, topic, audience)


def provider_numbers(*, acpe_provider_number: str, ja_provider_id: str) -> set[str]:
    """The UAN provider parts a publisher may use: its ACPE number, and JA + its JA ID."""
    numbers = set()
    acpe = re.sub(r"\D", "", acpe_provider_number or "")
    if acpe:
        numbers.add(acpe.zfill(4))
    ja = re.sub(r"\D", "", ja_provider_id or "")
    if ja:
        numbers.add(f"JA{ja}")
    return numbers


def uan_check(
    uan: Uan, *, allowed_providers: set[str] | None, home_study: bool | None, audience: str
) -> list[str]:
    """What keeps a well-formed UAN from being this designation's: the provider part
    (None: publisher not known yet), the L/H letter against the activity's format (None:
    either), P/T against the credit type."""
    problems = []
    if allowed_providers is not None and uan.provider not in allowed_providers:
        if allowed_providers:
            mine = " or ".join(sorted(allowed_providers))
            problems.append(
                f"The provider part “{uan.provider}” is not this publisher's ({mine})."
            )
        else:
            problems.append(
                f"The provider part “{uan.provider}” cannot be checked: add the publisher's "
                "ACPE provider number or JA provider ID in the publisher's settings."
            )
    if home_study is not None and uan.is_home_study != home_study:
        wanted = "H (home study)" if home_study else "L (live)"
        kind = "a home-study (enduring) format" if home_study else "a live format"
        problems.append(
            f"The format letter “{uan.format}” does not match the activity: it has {kind}, "
            f"so the UAN needs {wanted}."
        )
    if uan.audience != audience:
        problems.append(
            f"A UAN for {AUDIENCES[audience]} ends in -{audience}, not -{uan.audience}."
        )
    return problems
