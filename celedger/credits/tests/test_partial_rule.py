"""The claim rules read partial credit from the credit type's reference data."""

import pytest

from celedger.accreditation.models import CreditType
from celedger.credits.eligibility import partial_credit_allowed
from celedger.credits.tests.helpers import activity_with

pytestmark = pytest.mark.django_db


def designation(code: str):  # type: ignore[no-untyped-def]
    return activity_with(code).activity.designations.get()


@pytest.mark.parametrize(
    ("code", "allowed"),
    [("ama-pra-1", True), ("acpe-p", False), ("acpe-t", False), ("moc-abp", False),
     ("ancc", False), ("moc-abim", True)],
)  # fmt: skip
def test_it_follows_the_shipped_rule(code: str, allowed: bool) -> None:
    assert partial_credit_allowed(designation(code)) is allowed


def test_an_edit_in_site_admin_changes_the_rule() -> None:
    d = designation("ancc")
    CreditType.objects.filter(code="ancc").update(partial_credit="learner_chooses")
    d.credit_type.refresh_from_db()
    assert partial_credit_allowed(d)
