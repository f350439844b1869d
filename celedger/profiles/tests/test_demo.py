import pytest
from allauth.account.models import EmailAddress

from celedger.accounts.models import User
from celedger.profiles import demo
from celedger.profiles.models import LearnerProfile

pytestmark = pytest.mark.django_db


def test_it_seeds_the_demo_people_once() -> None:
    lines = demo.seed()
    demo.seed()
    assert any("learner@example.org" in line for line in lines)
    assert User.objects.count() == 5
    assert LearnerProfile.objects.count() == 3
    assert EmailAddress.objects.filter(verified=True).count() == 5
    assert User.objects.get(email="admin@example.org").is_superuser
    pharmacist = LearnerProfile.objects.get(user__email="pharmacist@example.org")
    assert pharmacist.has_nabp_data and pharmacist.profession.code == "pharmacist"
    learner = LearnerProfile.objects.get(user__email="learner@example.org")
    assert learner.board_certifications.get().board.code == "ABIM"
    assert User.objects.get(email="nurse@example.org").check_password(demo.PASSWORD)
