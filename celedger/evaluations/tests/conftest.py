from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _urls_with_stubs(settings: Any) -> None:
    settings.ROOT_URLCONF = "celedger.evaluations.tests.urls_with_stubs"
