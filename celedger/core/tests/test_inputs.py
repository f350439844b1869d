"""Inputs that used to answer 500 answer a clear 404/400 or the form with its error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/verify/abc%00def/",
        "/e/AAA%00/claim/",
        "/e/AAA%00/evaluate/",
        "/e/%01ABC/",
        "/certificates/activity/1%00/",
    ],
)
def test_a_control_character_in_a_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_nul_in_a_query_value_is_a_bad_request(client):
    assert client.get("/e/?event_id=AB%00C").status_code == 400


@pytest.mark.parametrize("value", ["1e309", "9" * 400, "-1e309", "1e-400"])
def test_hours_that_overflow_are_a_form_error_with_the_input_kept(value):
    from celedger.credits.forms import CorrectForm

    form = CorrectForm({"hours": value, "reason": "typo"})
    assert not form.is_valid()
    assert form.errors["hours"]
    assert f'value="{value}"' in str(form["hours"])


@pytest.mark.parametrize("value", ["1e309", "9" * 400])
def test_claim_hours_that_overflow_are_the_form_with_its_error(client, value):
    from celedger.activities.models import CreditDesignation
    from celedger.credits.models import Claim
    from celedger.credits.tests.helpers import activity_with, learner

    session = activity_with("ama-pra-1")
    designation = CreditDesignation.objects.get(activity=session.activity)
    client.force_login(learner("MD").user)
    response = client.post(
        f"/e/{session.event_id}/claim/",
        {f"hours_{designation.pk}": value, "attested": "on"},
    )
    assert response.status_code in (200, 400)
    assert "Enter a number below" in response.content.decode()
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_activity_dates_are_bounded_to_sensible_years(day):
    from celedger.activities.forms import ActivityForm

    form = ActivityForm(
        {
            "title": "Sepsis",
            "format": "live",
            "starts_on": "2026-12-01",
            "ends_on": day,
            "status": "draft",
            "claim_closes_at": f"{day}T23:30",
        }
    )
    assert not form.is_valid()
    assert form.errors["ends_on"] == ["Enter a date between 1900 and 2100."]
    assert form.errors["claim_closes_at"] == ["Enter a date between 1900 and 2100."]


def test_session_dates_are_bounded_too():
    from celedger.activities.forms import SessionForm, WeeklySessionsForm
    from celedger.credits.tests.helpers import activity_with

    activity = activity_with("ama-pra-1").activity
    form = SessionForm(
        {"date": "9999-12-31", "starts": "09:00", "ends": "10:00", "topic": "x"},
        activity=activity,
        acpe=[],
    )
    assert not form.is_valid() and "between 1900 and 2100" in form.errors["date"][0]
    weekly = WeeklySessionsForm(
        {
            "weekday": "0",
            "first_on": "2026-01-05",
            "until": "9999-12-31",
            "starts": "09:00",
            "ends": "10:00",
            "count": "",
        }
    )
    assert not weekly.is_valid() and "between 1900 and 2100" in weekly.errors["until"][0]


@pytest.mark.parametrize("typed", ["12/31", "../x", "AB?C=1", "%2F"])
def test_an_event_id_lookup_never_fails(client, typed):
    response = client.get("/e/", {"event_id": typed}, follow=True)
    assert response.status_code in (200, 404)


def test_a_sign_up_double_click_answers_like_the_first_click(client, monkeypatch):
    from allauth.account.forms import BaseSignupForm

    from celedger.accounts.models import User
    from celedger.accounts.tests.test_signup_flow import signup_post, start

    start(client, "ana@example.org")
    client.post("/accounts/check/", {"last_name": "Nunez", "phone": "734-555-0199"})
    # The other click's account committed after this one passed validation.
    User.objects.create_user(email="ana@example.org", password="x" * 20)
    monkeypatch.setattr(
        BaseSignupForm, "validate_unique_email", lambda self, value: value, raising=True
    )
    response = client.post("/accounts/signup/", signup_post("ana@example.org"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1


def test_form_text_is_normalized_in_one_place(client):
    from celedger.accounts.tests.factories import UserFactory
    from celedger.profiles.models import LearnerProfile
    from celedger.profiles.tests.test_profile_page import profile_post

    user = UserFactory()
    client.force_login(user)
    # A bell and an escape pasted in, and "é" typed as e + combining accent (NFD).
    response = client.post(
        "/profile/", profile_post(first_name="\x07Jose\u0301\x1b", city="Liv\x0bonia")
    )
    assert response.status_code == 302, response.context["form"].errors
    profile = LearnerProfile.objects.get(user=user)
    assert (profile.first_name, profile.city) == ("Jos\u00e9", "Livonia")


def test_a_nul_in_form_text_is_refused_next_to_the_field_with_the_rest_kept(client):
    from celedger.accounts.tests.factories import UserFactory
    from celedger.profiles.tests.test_profile_page import profile_post

    client.force_login(UserFactory())
    response = client.post("/profile/", profile_post(first_name="Ana\x00", city="Livonia"))
    assert response.status_code in (200, 400)
    form = response.context["form"]
    assert form.errors["first_name"] == ["Null characters are not allowed."]
    assert form["city"].value() == "Livonia"


@pytest.mark.parametrize("typed", ["¹", "7, ²", "٣"])
def test_digits_int_refuses_are_a_reminder_form_error(typed):
    """ "¹" is `str.isdigit()`, and `int("¹")` raises: a ValueError (500) before."""
    from celedger.rollout.forms import ReminderSettingsForm

    form = ReminderSettingsForm(data={"enabled": "on", "claim_days_before": typed})
    assert not form.is_valid()
    assert "claim_days_before" in form.errors


@pytest.mark.parametrize("typed", ["¹¹¹¹-01-01 10:00", "²⁰²⁶-01-01 10:00"])
def test_superscript_years_are_a_date_error(typed):
    from django.core.exceptions import ValidationError

    from celedger.core.inputs import BoundedDateTimeField

    with pytest.raises(ValidationError):
        BoundedDateTimeField().clean(typed)
