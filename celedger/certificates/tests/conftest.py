from typing import Any

import pytest


@pytest.fixture
def reference_data(django_db_blocker: Any) -> None:
    """Transactional tests flush tables, data migrations included: load them again."""
    from django.apps import apps

    from celedger.accreditation.reference import load_reference_data

    load_reference_data(apps)
