"""CreditDesignation.clean uses the UAN parser with the activity's publisher and format."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from celedger.accreditation.models import CreditType
from celedger.activities.models import Activity, CreditDesignation
from celedger.activities.tests.factories import ActivityFactory
from celedger.publishers.tests.factories import PublisherFactory

pytestmark = pytest.mark.django_db


def designation(
    code: str, uan: str, *, format: str = Activity.Format.LIVE, kind: str = "knowledge"
) -> CreditDesignation:
    publisher = PublisherFactory(acpe_provider_number="0123", accme_provider_id="4008106")
    return CreditDesignation(
        activity=ActivityFactory(publisher=publisher, format=format),
        credit_type=CreditType.objects.get(code=code),
        max_hours=Decimal("1.00"),
        uan=uan,
        acpe_activity_type=kind,
    )


def uan_error(d: CreditDesignation) -> str:
    with pytest.raises(ValidationError) as raised:
        d.full_clean()
    return " ".join(raised.value.message_dict["uan"])


@pytest.mark.parametrize(
    ("code", "uan", "format", "stored"),
    [
        ("acpe-p", "0123-0000-26-001-l01-p", Activity.Format.LIVE, "0123-0000-26-001-L01-P"),
        ("acpe-p", "0123 9999 26 001 L05 P", Activity.Format.RSS, "0123-9999-26-001-L05-P"),
        ("acpe-t", "ja4008106-0000-26-035-h01-t", Activity.Format.ENDURING, None),
        ("acpe-p", "0123-0000-26-002-H08-P", Activity.Format.JOURNAL, None),
        ("acpe-p", "0123-0000-26-003-L03-P", Activity.Format.INTERNET_LIVE, None),
    ],
)
def test_it_accepts_and_normalizes_acpe_and_ja_uans(
    code: str, uan: str, format: str, stored: str | None
) -> None:
    d = designation(code, uan, format=format)
    d.full_clean()
    assert d.uan == (stored or uan.upper().replace(" ", "-"))


def test_it_refuses_another_providers_number() -> None:
    assert "provider part “0999” is not this publisher's" in uan_error(
        designation("acpe-p", "0999-0000-26-001-L01-P")
    )


def test_it_refuses_a_live_letter_on_home_study_and_the_reverse() -> None:
    assert "needs H (home study)" in uan_error(
        designation("acpe-p", "0123-0000-26-001-L01-P", format=Activity.Format.ENDURING)
    )
    assert "needs L (live)" in uan_error(designation("acpe-p", "0123-0000-26-001-H01-P"))


def test_it_refuses_an_unknown_topic_and_the_wrong_audience() -> None:
    assert "topic designator “42”" in uan_error(designation("acpe-p", "0123-0000-26-001-L42-P"))
    assert "ends in -T, not -P" in uan_error(designation("acpe-t", "0123-0000-26-001-L01-P"))


def test_it_needs_the_uan_and_the_acpe_activity_type() -> None:
    assert "needs its UAN" in uan_error(designation("acpe-p", ""))
    d = designation("acpe-p", "0123-0000-26-001-L01-P", kind="")
    with pytest.raises(ValidationError) as raised:
        d.full_clean()
    assert "ACPE activity type" in str(raised.value.message_dict["acpe_activity_type"])


def test_it_refuses_a_uan_on_other_credit() -> None:
    assert "Only ACPE credit takes a UAN" in uan_error(
        designation("ama-pra-1", "0123-0000-26-001-L01-P")
    )
    d = designation("ama-pra-1", "", kind="knowledge")
    d.full_clean()
    assert d.acpe_activity_type == ""
