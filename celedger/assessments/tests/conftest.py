import datetime
from decimal import Decimal
from typing import Any

import pytest

from celedger.accreditation.tests.factories import BoardFactory, CreditTypeFactory
from celedger.activities.models import Activity
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.assessments import services
from celedger.assessments.models import Assessment, Item
from celedger.publishers.tests.personas import *  # noqa: F403

YEAR = "26"


@pytest.fixture
def home_study(publisher: Any) -> Activity:
    """An enduring course with ACPE (home study), AMA PRA and ABIM MOC credit."""
    activity = ActivityFactory(
        publisher=publisher,
        title="Opioid Stewardship (online)",
        format=Activity.Format.ENDURING,
        structure=Activity.Structure.HOME_STUDY,
        # Released a month ago, expires in ten: completions in between earn credit.
        starts_on=datetime.date.today() - datetime.timedelta(days=30),
        ends_on=datetime.date.today() + datetime.timedelta(days=300),
    )
    for code, uan, board in (
        ("ama-pra-1", "", None),
        ("acpe-p", f"0123-0000-{YEAR}-002-H08-P", None),
        ("moc-abim", "", "ABIM"),
    ):
        CreditDesignationFactory(
            activity=activity,
            credit_type=CreditTypeFactory(
                code=code,
                requires_nabp=code.startswith("acpe"),
                board=BoardFactory(code=board) if board else None,
            ),
            max_hours=Decimal("2.00"),
            uan=uan,
        )
    SessionFactory(activity=activity, event_id="HS2P4Q")
    return activity


def build_post_test(
    activity: Activity, *, pass_percent: int = 70, attempts: int = 3
) -> Assessment:
    """A post-test of three questions, one of each kind, made active."""
    test = services.assessment_create(
        activity=activity,
        kind=Assessment.Kind.POST,
        title="Opioid stewardship post-test",
        pass_percent=pass_percent,
        attempts_allowed=attempts,
    )
    services.item_add(
        assessment=test,
        kind=Item.Kind.SINGLE,
        text="Which naloxone dose is used intranasally?",
        feedback="The FDA-approved nasal spray delivers 4 mg per spray.",
        options=[("0.4 mg", False), ("4 mg", True), ("40 mg", False)],
    )
    services.item_add(
        assessment=test,
        kind=Item.Kind.MULTIPLE,
        text="Which are opioid overdose signs?",
        feedback="Pinpoint pupils and slow breathing; agitation points elsewhere.",
        options=[("Pinpoint pupils", True), ("Slow breathing", True), ("Agitation", False)],
    )
    services.item_add(
        assessment=test,
        kind=Item.Kind.TRUE_FALSE,
        text="Methadone has a long, variable half-life.",
        feedback="Its half-life ranges from 8 to 59 hours.",
        options=[("True", True), ("False", False)],
    )
    services.assessment_activate(assessment=test)
    return test


def answers(test: Assessment, *, right: int) -> dict[int, list[int]]:
    """Answers with the first `right` questions correct and the others wrong."""
    chosen: dict[int, list[int]] = {}
    for n, item in enumerate(test.items.prefetch_related("options").order_by("order")):
        options = list(item.options.all())
        if n < right:
            chosen[item.pk] = [o.pk for o in options if o.is_correct]
        else:
            chosen[item.pk] = [next(o.pk for o in options if not o.is_correct)]
    return chosen
