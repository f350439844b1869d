import pytest

from celedger.activities.models import Activity
from celedger.integrity import demo
from celedger.integrity.selectors import PersonState, activity_integrity

pytestmark = pytest.mark.django_db


def test_the_demo_conference_has_every_state_and_seeding_twice_changes_nothing() -> None:
    demo.seed()
    conference = Activity.objects.get(title=demo.CONFERENCE_TITLE)
    states = {s.role.name: s.state for s in activity_integrity(activity=conference).roles}
    assert states == {
        "Dr. Priya Natarajan": PersonState.CLEAR,
        "Dr. Marcus Webb": PersonState.MITIGATED,
        "Jordan Lee, PharmD": PersonState.CLEAR,
        "Dr. Sam Okafor": PersonState.MISSING,
    }
    assert conference.commercial_supports.count() == 2
    live = Activity.objects.get(title=demo.activities_demo.LIVE_TITLE)
    assert not activity_integrity(activity=live).blocking
    demo.seed()
    assert conference.content_roles.count() == 4
    assert conference.commercial_supports.count() == 2
