import factory

from celedger.accounts.tests.factories import UserFactory
from celedger.publishers.models import Publisher, StaffInvitation, StaffMembership


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher

    code = factory.Sequence(lambda n: f"pub{n}")
    name = factory.Sequence(lambda n: f"Health System {n}")
    contact_email = factory.LazyAttribute(lambda o: f"cme@{o.code}.example.org")
    liaison_name = "Pat Liaison"
    time_zone = "America/New_York"
    accme_provider_id = "4008123"
    acpe_provider_number = "0123"
    signer_name = "Dana Director, MD"
    signer_title = "Director, Interprofessional Education"


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    publisher = factory.SubFactory(PublisherFactory)
    role = StaffMembership.Role.COORDINATOR


class StaffInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffInvitation

    publisher = factory.SubFactory(PublisherFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = StaffMembership.Role.COORDINATOR
    invited_by = factory.SubFactory(UserFactory)
