"""A publisher's own statement wording: typos in placeholders are caught beside the field."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.accreditation.models import CreditType
from celedger.publishers.models import DesignationStatement


def _post(publisher: Any, **extra: str) -> dict[str, str]:
    data = {
        "name": publisher.name,
        "contact_email": "cme@lakeside.example.org",
        "time_zone": "America/Detroit",
        "acpe_provider_number": "0123",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_it_explains_an_unknown_placeholder_next_to_the_field(login: Any, publisher: Any) -> None:
    ancc = CreditType.objects.get(code="ancc")
    typed = "{provider} grants {credit} to nurses."
    response = login("admin").post(
        reverse("publishers:settings", args=[publisher.code]),
        _post(publisher, **{f"st-statement_{ancc.pk}": typed}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    field = body.split(f'id="field-st-statement_{ancc.pk}"')[1].split("</div>")[0]
    assert "{credit} is not filled in; use only {provider}, {credits}" in field
    assert typed in field
    assert not DesignationStatement.objects.filter(publisher=publisher).exists()


@pytest.mark.django_db
def test_it_saves_the_joint_accreditation_flag(login: Any, publisher: Any) -> None:
    response = login("admin").post(
        reverse("publishers:settings", args=[publisher.code]),
        _post(publisher, is_jointly_accredited="on"),
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    assert publisher.is_jointly_accredited
