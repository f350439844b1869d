"""The signed-in pages' profile read (issue 10): one statement on the profile's own table, its
profession and specialties from the cache, and every change seen on the next request."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from celedger.accreditation.models import Credential, Profession, Specialty
from celedger.profiles.models import LearnerProfile
from celedger.profiles.selectors import credentials_prefetch, profile_for_user
from celedger.profiles.tests.factories import LearnerProfileFactory, credential

pytestmark = pytest.mark.django_db


def _statements(read: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        value = read()
    return value, [q["sql"] for q in queries.captured_queries]


def _next_request(user: Any) -> LearnerProfile:
    """The profile as the next request reads it (the one read is cached on the user)."""
    if hasattr(user, "_cached_learner_profile"):
        del user._cached_learner_profile
    profile = profile_for_user(user=user)
    assert profile is not None
    return profile


@pytest.fixture
def profile() -> LearnerProfile:
    cardiology = Specialty.objects.create(name="Cardiology")
    made = LearnerProfileFactory(
        credentials=["MD", "PhD"],
        specialty=cardiology,
        sub_specialty=Specialty.objects.create(name="Electrophysiology", parent=cardiology),
    )
    assert isinstance(made, LearnerProfile)
    return made


def test_it_reads_the_profile_in_one_statement_without_joins(profile: LearnerProfile) -> None:
    user = profile.user
    credentials_prefetch(_next_request(user))  # the first request fills the cache
    read, sql = _statements(lambda: _next_request(user))
    # The profile's own row and its credentials' ids; no join to professions or specialties.
    assert len(sql) == 1, sql
    assert '"profiles_learnerprofile"' in sql[0]
    assert "JOIN" not in sql[0].upper()
    assert "accreditation_" not in sql[0]
    _, more = _statements(
        lambda: (
            read.profession.name,
            read.specialty.name,
            read.sub_specialty and read.sub_specialty.name,
            credentials_prefetch(read),
            [c.abbreviation for c in read.credentials.all()],
        )
    )
    assert more == []
    assert (read.profession.code, read.specialty.name) == ("physician", "Cardiology")
    assert read.sub_specialty is not None
    assert read.sub_specialty.name == "Electrophysiology"
    assert [c.abbreviation for c in read.credentials.all()] == ["MD", "PhD"]


def test_it_reads_the_same_profile_as_the_orm(profile: LearnerProfile) -> None:
    read = _next_request(profile.user)
    orm = LearnerProfile.objects.get(pk=profile.pk)
    fields = [f.attname for f in LearnerProfile._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert read.phone == orm.phone and read.country == orm.country
    assert not read._state.adding and read._state.db == "default"


def test_a_user_without_a_profile_reads_none(profile: LearnerProfile) -> None:
    from celedger.accounts.tests.factories import UserFactory

    assert profile_for_user(user=UserFactory()) is None


def test_a_learners_first_read_finds_the_profession_and_specialties_warm(
    profile: LearnerProfile,
) -> None:
    """One cache entry per profession and specialty, shared by every learner: the first
    learner reads each row once; another learner's first request, the closing rush's
    program page, reads only their own profile's row (no join, no entry of their own)."""
    cold, first = _statements(lambda: _next_request(profile.user))
    _, related = _statements(lambda: (cold.profession, cold.specialty, cold.sub_specialty))
    # The profile's row, then its profession, specialty and sub-specialty (once each).
    assert (len(first), len(related)) == (4, 0)
    colleague = LearnerProfileFactory(
        credentials=["MD"], specialty=profile.specialty, sub_specialty=profile.sub_specialty
    )
    theirs, sql = _statements(lambda: _next_request(colleague.user))
    _, more = _statements(lambda: (theirs.profession, theirs.specialty, theirs.sub_specialty))
    assert (len(sql), len(more)) == (1, 0)
    assert '"profiles_learnerprofile"' in sql[0] and "JOIN" not in sql[0].upper()
    assert theirs.sub_specialty is not None
    assert (theirs.specialty.name, theirs.sub_specialty.name) == (
        "Cardiology",
        "Electrophysiology",
    )


def test_a_saved_profile_is_seen_on_the_next_request(profile: LearnerProfile) -> None:
    user = profile.user
    read = _next_request(user)
    read.profession = credential("RN").profession
    read.sub_specialty = None
    read.save()
    again = _next_request(user)
    assert (again.profession.code, again.sub_specialty) == ("nurse", None)


def test_a_renamed_profession_is_seen_on_the_next_request(profile: LearnerProfile) -> None:
    user = profile.user
    assert _next_request(user).profession.name == "Physician"
    profession = Profession.objects.get(pk=profile.profession_id)
    profession.name = "Medical Doctor"
    profession.save()
    assert _next_request(user).profession.name == "Medical Doctor"


def test_a_renamed_specialty_is_seen_on_the_next_request(profile: LearnerProfile) -> None:
    user = profile.user
    read = _next_request(user)
    assert read.specialty.name == "Cardiology"
    assert read.sub_specialty is not None
    read.sub_specialty.name = "Cardiac Electrophysiology"
    read.sub_specialty.save()
    read.specialty.name = "Cardiovascular Disease"
    read.specialty.save()
    again = _next_request(user)
    assert again.specialty.name == "Cardiovascular Disease"
    assert again.sub_specialty is not None
    assert again.sub_specialty.name == "Cardiac Electrophysiology"


def test_a_learner_who_changes_profession_sees_it_on_the_next_request(
    profile: LearnerProfile,
) -> None:
    user = profile.user
    assert _next_request(user).profession.code == "physician"
    nursing = credential("RN").profession
    pediatrics = Specialty.objects.create(name="Pediatrics")
    # No signal: the profile's row no longer names what the cache holds.
    LearnerProfile.objects.filter(pk=profile.pk).update(
        profession=nursing, specialty=pediatrics, sub_specialty=None
    )
    read = _next_request(user)
    assert (read.profession.code, read.specialty.name, read.sub_specialty) == (
        "nurse",
        "Pediatrics",
        None,
    )
    # The rows the profile now names are cached in turn: the next request reads its row.
    read, sql = _statements(lambda: _next_request(user).profession.code)
    assert (read, len(sql)) == ("nurse", 1)


def test_a_changed_set_of_credentials_is_seen_on_the_next_request(
    profile: LearnerProfile,
) -> None:
    user = profile.user
    credentials_prefetch(_next_request(user))
    profile.credentials.remove(Credential.objects.get(abbreviation="PhD"))
    read = _next_request(user)
    credentials_prefetch(read)
    assert [c.abbreviation for c in read.credentials.all()] == ["MD"]
    profile.credentials.clear()
    read = _next_request(user)
    _, sql = _statements(lambda: credentials_prefetch(read))
    assert (list(read.credentials.all()), sql) == ([], [])
