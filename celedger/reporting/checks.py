"""The checks a reporting record passes before it is sent, as plain functions of its facts.

Each failed check is a code in CHECKS with a message for the coordinator and, where the
learner must act, a message and the profile field that fixes it. Sources are in
docs/reporting.md ("Checks"); a rule there without a source is marked as ours.
"""

import datetime
import re
from dataclasses import dataclass

# NABP e-Profile IDs are numbers of up to 7 digits (DESIGN.md, Formats).
EPID_RE = re.compile(r"^\d{1,7}$")
# ACPE/NABP: CPE Monitor takes credit up to 60 days after participation.
CPE_MONITOR_DAYS = 60
# ACCME: learners are reported no more than 30 days after they completed the activity.
MOC_DAYS = 30
LIVE_FORMATS = ("live", "rss", "internet_live")
PHARMACIST = "pharmacist"
TECHNICIAN = "pharmacy-technician"


@dataclass(frozen=True)
class Check:
    code: str
    coordinator: str
    # Empty when only staff can fix it (activity data, dates).
    learner: str = ""
    # The profile field (its HTML id) that fixes it, for the learner's link.
    field: str = ""

    @property
    def learner_must_act(self) -> bool:
        return bool(self.learner)


CHECKS: dict[str, Check] = {
    check.code: check
    for check in [
        Check(
            "epid_missing",
            "No NABP e-Profile ID on the learner's profile.",
            "Add your NABP e-Profile ID to your profile so your ACPE credit reaches CPE Monitor.",
            "id_nabp_eprofile_id",
        ),
        Check(
            "epid_malformed",
            "The NABP e-Profile ID on the profile is not a number of up to 7 digits.",
            "Your NABP e-Profile ID should be a number of up to 7 digits: check it against "
            "your NABP e-Profile.",
            "id_nabp_eprofile_id",
        ),
        Check(
            "epid_duplicate",
            "Another learner's profile has the same NABP e-Profile ID: one of the two is wrong.",
            "Your NABP e-Profile ID is also on another person's profile. Check it against your "
            "NABP e-Profile and correct it if needed.",
            "id_nabp_eprofile_id",
        ),
        Check(
            "birth_missing",
            "No birth month and day (MMDD) on the learner's profile.",
            "Add your birth month and day to your profile: CPE Monitor and the boards match "
            "you by them.",
            "id_birthday",
        ),
        Check(
            "pt_mismatch",
            "The UAN's participant type (P pharmacist / T technician) does not match the "
            "learner's profession.",
            "Your profession does not match the ACPE credit you received (pharmacist or "
            "pharmacy technician). Check the profession on your profile.",
            "id_credentials",
        ),
        Check(
            "date_outside_live",
            "The participation date is outside the live activity's dates: fix the activity "
            "dates or the claim.",
        ),
        Check(
            "date_outside_home_study",
            "The completion date is outside the home-study activity's release and expiry dates.",
        ),
        Check(
            "cpe_past_window",
            f"Participation was more than {CPE_MONITOR_DAYS} days ago: CPE Monitor no longer "
            "takes it by batch. Ask ACPE how to report late credit.",
        ),
        Check(
            "moc_no_consent",
            "The learner has not consented to have completions reported to the board.",
            "Tick the consent to report your MOC completions to your board in your profile.",
            "id_board_consent",
        ),
        Check(
            "moc_no_board_id",
            "No board ID on the learner's profile for this board.",
            "Add your board ID (diplomate number) to your profile so the board receives your "
            "MOC points.",
            "id_board_id",
        ),
        Check(
            "no_accme_activity_id",
            "The activity has no ACCME activity ID: enter it under the activity's PARS data.",
        ),
        Check(
            "cpe_deletion_manual",
            "This credit was revoked after it went to CPE Monitor. The batch layout has no "
            "deletion: ask ACPE to remove it, then mark the record accepted.",
        ),
    ]
}


@dataclass(frozen=True)
class LearnerFacts:
    """What the checks need from a learner's profile (read once per recompute)."""

    eprofile_id: str
    birth_mmdd: str
    profession_code: str
    epid_used_by_another: bool
    # Per board code: (board ID, consented).
    boards: dict[str, tuple[str, bool]]


@dataclass(frozen=True)
class ActivityFacts:
    format: str
    starts_on: datetime.date
    ends_on: datetime.date
    accme_activity_id: str


def due_on(*, channel: str, participated_on: datetime.date) -> datetime.date:
    days = CPE_MONITOR_DAYS if channel == "cpe_monitor" else MOC_DAYS
    return participated_on + datetime.timedelta(days=days)


def _date_checks(activity: ActivityFacts, participated_on: datetime.date) -> list[str]:
    if activity.starts_on <= participated_on <= activity.ends_on:
        return []
    if activity.format in LIVE_FORMATS:
        return ["date_outside_live"]
    return ["date_outside_home_study"]


def cpe_monitor_holds(
    *,
    learner: LearnerFacts | None,
    activity: ActivityFacts,
    uan: str,
    participated_on: datetime.date,
    today: datetime.date,
) -> list[str]:
    """Codes of the failed checks for a CPE Monitor record, in the order to show them."""
    holds: list[str] = []
    if learner is None or not learner.eprofile_id:
        holds.append("epid_missing")
    elif not EPID_RE.match(learner.eprofile_id):
        holds.append("epid_malformed")
    elif learner.epid_used_by_another:
        holds.append("epid_duplicate")
    if learner is None or not learner.birth_mmdd:
        holds.append("birth_missing")
    expected = {"P": PHARMACIST, "T": TECHNICIAN}.get(uan[-1:].upper())
    if learner is not None and expected and learner.profession_code != expected:
        holds.append("pt_mismatch")
    holds.extend(_date_checks(activity, participated_on))
    if today > due_on(channel="cpe_monitor", participated_on=participated_on):
        holds.append("cpe_past_window")
    return holds


def pars_holds(
    *,
    learner: LearnerFacts | None,
    activity: ActivityFacts,
    board_code: str,
    participated_on: datetime.date,
) -> list[str]:
    """Codes of the failed checks for a PARS (MOC) record. Late MOC records are still
    sent (ACCME asks for 30 days; it is an expectation, not a refusal), so no hold."""
    holds: list[str] = []
    board = learner.boards.get(board_code) if learner else None
    if board is None or not board[1]:
        holds.append("moc_no_consent")
    if board is None or not board[0].strip():
        holds.append("moc_no_board_id")
    if learner is None or not learner.birth_mmdd:
        holds.append("birth_missing")
    holds.extend(_date_checks(activity, participated_on))
    if not activity.accme_activity_id:
        holds.append("no_accme_activity_id")
    return holds
