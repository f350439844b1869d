from typing import Any

import pytest
from django.urls import reverse

from celedger.activities.tests.factories import ActivityFactory
from celedger.evaluations.models import ActivityEvaluation
from celedger.evaluations.tests.factories import EvaluationFormFactory

pytestmark = pytest.mark.django_db


def _url(activity: Any, code: str = "stjude") -> str:
    return reverse("evaluations:activity_settings", args=[code, activity.pk])


def test_it_chooses_a_built_in_form(
    client: Any, coordinator: Any, activity: Any, publisher: Any
) -> None:
    form = EvaluationFormFactory(publisher=publisher)
    client.force_login(coordinator)

    r = client.post(_url(activity), {"mode": "builtin", "form": form.pk, "per_session": "on"})

    assert r.status_code == 302
    setup = ActivityEvaluation.objects.get(activity=activity)
    assert (setup.mode, setup.form, setup.per_session) == ("builtin", form, True)


def test_it_offers_the_standard_form_but_not_other_publishers_forms(
    client: Any, coordinator: Any, activity: Any, standard: Any
) -> None:
    foreign = EvaluationFormFactory(name="Foreign form")
    client.force_login(coordinator)

    page = client.get(_url(activity)).content.decode()
    r = client.post(_url(activity), {"mode": "builtin", "form": foreign.pk})

    assert "Standard CME/CE evaluation (standard)" in page
    assert "Foreign form" not in page
    assert r.status_code == 400
    assert not ActivityEvaluation.objects.filter(activity=activity).exists()


def test_an_outside_form_needs_its_address(client: Any, coordinator: Any, activity: Any) -> None:
    client.force_login(coordinator)

    missing = client.post(_url(activity), {"mode": "outside"})
    saved = client.post(
        _url(activity), {"mode": "outside", "outside_url": "https://forms.example.org/e"}
    )

    assert missing.status_code == 400
    assert "Give the address of the outside form." in missing.content.decode()
    assert saved.status_code == 302
    setup = ActivityEvaluation.objects.get(activity=activity)
    assert (setup.mode, setup.form, setup.per_session) == ("outside", None, False)


def test_it_turns_the_evaluation_off(
    client: Any, coordinator: Any, activity: Any, setup: Any
) -> None:
    client.force_login(coordinator)

    client.post(_url(activity), {"mode": "none"})

    setup.refresh_from_db()
    assert setup.mode == "none" and setup.form is None


def test_viewers_read_but_do_not_change_settings(
    client: Any, viewer: Any, activity: Any, setup: Any
) -> None:
    client.force_login(viewer)

    page = client.get(_url(activity))
    r = client.post(_url(activity), {"mode": "none"})

    assert page.status_code == 200 and "Save settings" not in page.content.decode()
    assert r.status_code == 403
    setup.refresh_from_db()
    assert setup.mode == "builtin"


def test_other_publishers_staff_get_404(client: Any, outsider: Any, activity: Any) -> None:
    client.force_login(outsider)

    assert client.get(_url(activity)).status_code == 404
    assert client.get(_url(activity, code="other")).status_code == 404
    theirs = ActivityFactory(publisher=activity.publisher)
    assert client.post(_url(theirs, code="other"), {"mode": "none"}).status_code == 404


@pytest.mark.parametrize(("format_", "ticked"), [("live", False), ("rss", True)])
def test_it_evaluates_a_single_course_once_and_a_series_per_session_by_default(
    client: Any, coordinator: Any, publisher: Any, format_: str, ticked: bool
) -> None:
    activity = ActivityFactory(publisher=publisher, format=format_)
    client.force_login(coordinator)
    form = client.get(_url(activity)).context["settings_form"]
    assert form["per_session"].value() is ticked


def test_it_warns_before_a_change_that_asks_learners_to_evaluate_again(
    client: Any, coordinator: Any, activity: Any, publisher: Any
) -> None:
    from celedger.accounts.tests.factories import UserFactory
    from celedger.evaluations.models import Response

    form = EvaluationFormFactory(publisher=publisher)
    client.force_login(coordinator)
    client.post(_url(activity), {"mode": "builtin", "form": form.pk})
    Response.objects.create(learner=UserFactory(), activity=activity, form=form)

    refused = client.post(
        _url(activity), {"mode": "builtin", "form": form.pk, "per_session": "on"}
    )
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "1 learner(s) already evaluated this activity" in body
    assert "Change it anyway" in body
    assert ActivityEvaluation.objects.get(activity=activity).per_session is False

    confirmed = client.post(
        _url(activity),
        {
            "mode": "builtin",
            "form": form.pk,
            "per_session": "on",
            "confirm_per_session_change": "on",
        },
    )
    assert confirmed.status_code == 302
    assert ActivityEvaluation.objects.get(activity=activity).per_session is True
