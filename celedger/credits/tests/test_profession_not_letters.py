"""Credit follows the learner's profession, not a credential's letters (issue 8)."""

import pytest

from celedger.accreditation.models import Profession
from celedger.credits.eligibility import credit_eligibility
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db


def eligible_codes(profile, activity):  # type: ignore[no-untyped-def]
    result = credit_eligibility(profile=profile, activity=activity)
    return sorted(d.credit_type.code for d in result.eligible)


def test_a_phd_nurse_gets_nursing_credit_not_psychology() -> None:
    session = activity_with("ancc", "apa")
    nurse = learner("RN", "PhD")
    assert eligible_codes(nurse, session.activity) == ["ancc"]


def test_a_phd_alone_follows_the_chosen_profession() -> None:
    session = activity_with("ancc", "apa", "participation")
    chemist = learner("PhD", profession=Profession.objects.get(code="allied-health"))
    assert eligible_codes(chemist, session.activity) == ["participation"]
    psychologist = learner("PhD", profession=Profession.objects.get(code="psychologist"))
    assert eligible_codes(psychologist, session.activity) == ["apa"]


def test_an_ms_does_not_make_a_psychologist() -> None:
    session = activity_with("apa", "ama-pra-1")
    from celedger.accreditation.models import Credential

    physician = learner("MD")
    physician.credentials.add(Credential.objects.get(abbreviation="MS"))
    assert eligible_codes(physician, session.activity) == ["ama-pra-1"]


def test_the_credential_popup_explains_a_degree(client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from celedger.accreditation.models import Credential

    phd = Credential.objects.get(abbreviation="PhD")
    body = client.get(reverse("profiles:credit_preview"), {"credentials": [phd.pk]})
    text = body.content.decode()
    assert "PhD (Doctor of Philosophy) is a degree, not a profession" in text
    assert "APA continuing education credits" not in text
