import datetime
from typing import Any

import factory
from django.utils import timezone

from celedger.accounts.tests.factories import UserFactory
from celedger.activities.tests.factories import ActivityFactory
from celedger.integrity.models import ContentRole, Disclosure, FinancialRelationship

# The smallest valid PDF a browser and pdftotext accept.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class ContentRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentRole

    activity = factory.SubFactory(ActivityFactory)
    role = ContentRole.Role.FACULTY
    name = factory.Sequence(lambda n: f"Dr. Faculty {n}")
    person = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.person.email if o.person else "nobody@example.org")
    invited_at = factory.LazyFunction(timezone.now)


class DisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclosure

    person = factory.SubFactory(UserFactory)
    publisher = factory.SubFactory("celedger.publishers.tests.factories.PublisherFactory")
    has_relationships = False
    attested_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyFunction(timezone.now)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialRelationship

    disclosure = factory.SubFactory(DisclosureFactory, has_relationships=True)
    company = "Acme Pharma"
    nature = FinancialRelationship.Nature.CONSULTANT


def discloser(activity: Any, *, relationships: int = 0, **disclosure: Any) -> ContentRole:
    """A faculty role on `activity` whose person has a current disclosure to its publisher."""
    role = ContentRoleFactory(activity=activity)
    d = DisclosureFactory(
        person=role.person,
        publisher=activity.publisher,
        has_relationships=bool(relationships),
        **disclosure,
    )
    for n in range(relationships):
        RelationshipFactory(disclosure=d, company=f"Company {n}")
    return role
