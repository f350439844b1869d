from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from celedger.profiles.selectors import profile_for_user
from celedger.reporting.checks import PHARMACIST, TECHNICIAN
from celedger.reporting.selectors import learner_fixes


def reporting_reminders(request: HttpRequest) -> dict[str, Any]:
    """The learner's records that need them, for the layout's banner.

    Only pharmacists, technicians and board members can have records to report (ACPE
    and MOC credit), so nobody else pays the one query; the profile is the one the
    profiles reminder already read (cached on the user).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    profile = profile_for_user(user=user)
    if profile is None:
        return {}
    if not profile.is_board_member and profile.profession.code not in (PHARMACIST, TECHNICIAN):
        return {}
    return {"reporting_fixes": SimpleLazyObject(lambda: learner_fixes(user=user))}
