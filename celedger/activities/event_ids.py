"""Event IDs: 6 characters from an alphabet without look-alikes (DESIGN.md, Formats)."""

import re
import secrets

from celedger.activities.models import EVENT_ID_ALPHABET, EVENT_ID_LENGTH

_IGNORED = re.compile(r"[\s\-_.]+")


def normalize_event_id(raw: str) -> str:
    """What the learner typed, as stored: upper case, spaces and dashes dropped."""
    return _IGNORED.sub("", raw or "").upper()


def is_well_formed(event_id: str) -> bool:
    return len(event_id) == EVENT_ID_LENGTH and all(c in EVENT_ID_ALPHABET for c in event_id)


def random_event_id() -> str:
    return "".join(secrets.choice(EVENT_ID_ALPHABET) for _ in range(EVENT_ID_LENGTH))


def format_event_id(event_id: str) -> str:
    """For print: two groups of three (`K7Q-M2P`), easier to read aloud."""
    return f"{event_id[:3]}-{event_id[3:]}" if len(event_id) == EVENT_ID_LENGTH else event_id
