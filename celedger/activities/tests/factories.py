import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.publishers.models import Publisher
from celedger.publishers.tests.factories import PublisherFactory

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _event_id(n: int) -> str:
    chars = []
    for _ in range(6):
        n, r = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[r])
    return "".join(reversed(chars))


def _local_date(publisher: Publisher, *, hours_ago: int = 0) -> datetime.date:
    moment = timezone.now() - datetime.timedelta(hours=hours_ago)
    return timezone.localdate(moment, publisher.zone)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    publisher = factory.SubFactory(PublisherFactory)
    title = factory.Sequence(lambda n: f"Sepsis Update {n}")
    format = Activity.Format.LIVE
    # The publisher's dates around SessionFactory's default session (started 2 h ago), so a
    # test run just after midnight in the publisher's zone still has the session inside.
    starts_on = factory.LazyAttribute(lambda o: _local_date(o.publisher, hours_ago=2))
    ends_on = factory.LazyAttribute(
        lambda o: (
            _local_date(o.publisher)
            if o.starts_on == _local_date(o.publisher, hours_ago=2)
            else o.starts_on
        )
    )
    location = "Main Auditorium"
    status = Activity.Status.PUBLISHED


class CreditDesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditDesignation

    activity = factory.SubFactory(ActivityFactory)
    credit_type = factory.SubFactory(CreditTypeFactory)
    max_hours = Decimal("1.50")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    activity = factory.SubFactory(ActivityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + datetime.timedelta(hours=1, minutes=30)
    )
    topic = "Early recognition of sepsis"
    speaker = "Dr. A. Speaker"
    event_id = factory.Sequence(lambda n: _event_id(n + 1000))


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    learner = factory.SubFactory("celedger.accounts.tests.factories.UserFactory")
