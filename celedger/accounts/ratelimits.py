"""Rate limits of the duplicate-account check, keyed by what is being guessed.

A hospital's guest Wi-Fi is one address for a whole closing session, so the address gets a
large allowance and, past it, a step-up (a code emailed to the address being signed up)
instead of a dead end. What an attacker must guess — the phone, the last name + phone pair,
and the email being signed up — is limited tightly and refused outright. The numbers live in
ACCOUNT_RATE_LIMITS (docs/accounts.md) and are counted by allauth's own rate limiter, in the
shared cache, so every app server agrees.
"""

import secrets
import time
from enum import StrEnum

from allauth.core import ratelimit
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from phonenumber_field.phonenumber import PhoneNumber

from celedger.profiles.services import fold_last_name

STEP_UP = "celedger_check_step_up"
CODE_TTL = 15 * 60
CODE_ATTEMPTS = 3


class Allowance(StrEnum):
    ALLOWED = "allowed"
    STEP_UP = "step_up"  # the network's allowance is used up: prove the email first
    REFUSED = "refused"  # this phone, pair or email was probed too often


def duplicate_check_allowance(
    *, request: HttpRequest, last_name: str, phone: PhoneNumber, email: str
) -> Allowance:
    """Count one duplicate check for what it guesses and for the client's network."""
    keyed = (
        ("duplicate_check_phone", str(phone)),
        ("duplicate_check_pair", f"{fold_last_name(last_name)}|{phone}"),
        ("duplicate_check_email", email.lower()),
    )
    for action, key in keyed:
        if not ratelimit.consume(request, action=action, key=key):
            return Allowance.REFUSED
    if step_up_passed(request=request, email=email):
        return Allowance.ALLOWED
    if not ratelimit.consume(request, action="duplicate_check"):
        return Allowance.STEP_UP
    return Allowance.ALLOWED


def step_up_passed(*, request: HttpRequest, email: str) -> bool:
    state = request.session.get(STEP_UP) or {}
    return bool(state.get("verified")) and state.get("email") == email.lower()


def _digest(code: str) -> str:
    return salted_hmac("celedger.accounts.step_up", code, algorithm="sha256").hexdigest()


def step_up_start(
    *, request: HttpRequest, email: str, last_name: str, phone: PhoneNumber
) -> str | None:
    """A new sign-up code for `email`, kept (hashed) in the session with the pending check.

    None when codes were sent to this address too often (the page then says to wait).
    """
    if not ratelimit.consume(request, action="duplicate_check_code", key=email.lower()):
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[STEP_UP] = {
        "email": email.lower(),
        "digest": _digest(code),
        "expires": time.time() + CODE_TTL,
        "attempts": 0,
        "verified": False,
        "last_name": last_name,
        "phone": str(phone),
    }
    return code


class StepUpResult(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"  # too old, too many wrong tries, or no code asked for


def step_up_verify(*, request: HttpRequest, email: str, code: str) -> StepUpResult:
    """Check the typed code; a code allows CODE_ATTEMPTS tries within CODE_TTL seconds."""
    state = dict(request.session.get(STEP_UP) or {})
    if (
        not state.get("digest")
        or state.get("email") != email.lower()
        or state["expires"] < time.time()
        or state["attempts"] >= CODE_ATTEMPTS
    ):
        return StepUpResult.EXPIRED
    state["attempts"] += 1
    verified = constant_time_compare(_digest(code.strip()), state["digest"])
    if verified:
        state.update(verified=True, digest="")
    request.session[STEP_UP] = state
    return StepUpResult.VERIFIED if verified else StepUpResult.WRONG


def step_up_pending(*, request: HttpRequest) -> tuple[str, str] | None:
    """The last name and phone typed before the step-up, to run the check once it passes."""
    state = request.session.get(STEP_UP) or {}
    if not state.get("last_name"):
        return None
    return state["last_name"], state["phone"]
