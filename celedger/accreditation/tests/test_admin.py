"""Site admins edit the rules per credit type in /site-admin/."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.accounts.models import User
from celedger.accreditation.models import CreditType

pytestmark = pytest.mark.django_db


def test_a_site_admin_edits_a_credit_types_rules_and_unit_words(client: Any) -> None:
    admin = User.objects.create_superuser(email="root@example.org", password="x-long-password")
    client.force_login(admin)
    ancc = CreditType.objects.get(code="ancc")
    url = reverse("admin:accreditation_credittype_change", args=[ancc.pk])
    page = client.get(url).content.decode()
    for field in ("partial_credit", "post_test", "unit_singular"):
        assert f'name="{field}"' in page
    data = {
        "code": ancc.code,
        "name": ancc.name,
        "short_name": ancc.short_name,
        "unit_singular": "nursing contact hour",
        "unit": "nursing contact hours",
        "partial_credit": "not_allowed",
        "post_test": "always",
        "accreditor": ancc.accreditor,
        "designation_statement": ancc.designation_statement,
        "professions": [p.pk for p in ancc.professions.all()],
        "sort_order": ancc.sort_order,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ancc.refresh_from_db()
    assert ancc.partial_credit == "not_allowed" and not ancc.allows_session_subset
    assert ancc.needs_passed_post_test(home_study=False)
    assert ancc.unit_singular == "nursing contact hour"
    listing = client.get(
        reverse("admin:accreditation_credittype_changelist"), {"partial_credit": "not_allowed"}
    )
    assert "ANCC" in listing.content.decode()
