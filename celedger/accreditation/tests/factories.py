import factory

from celedger.accreditation.models import Board, Credential, CreditType, Profession, Specialty


class ProfessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profession
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"profession-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential
        django_get_or_create = ("abbreviation",)

    abbreviation = factory.Sequence(lambda n: f"CR{n}")
    name = factory.LazyAttribute(lambda o: o.abbreviation)
    profession = factory.SubFactory(ProfessionFactory)


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"B{n}")
    name = factory.LazyAttribute(lambda o: f"Board {o.code}")


class CreditTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"credit-{n}")
    name = factory.LazyAttribute(lambda o: f"Credit {o.code}")
    short_name = factory.LazyAttribute(lambda o: o.code)
    accreditor = "TEST"


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"Specialty {n}")
    parent = None
