import pytest

from celedger.credits.eligibility import credit_eligibility
from celedger.credits.tests.helpers import activity_with, diplomate, learner

pytestmark = pytest.mark.django_db


def codes(designations):
    return sorted(d.credit_type.code for d in designations)


def check(profile, session):
    return credit_eligibility(profile=profile, activity=session.activity)


def test_it_gives_physicians_ama_and_nurses_ancc():
    session = activity_with("ama-pra-1", "ancc", "acpe-p")
    assert codes(check(learner("MD"), session).eligible) == ["ama-pra-1"]
    assert codes(check(learner("RN"), session).eligible) == ["ancc"]


def test_it_explains_types_for_other_professions_without_a_fix():
    session = activity_with("ama-pra-1", "ancc")
    result = check(learner("RN"), session)
    assert codes([b.designation for b in result.not_applicable]) == ["ama-pra-1"]
    assert result.blocked == []


def test_it_blocks_acpe_for_a_pharmacist_without_nabp_data_with_the_fix():
    session = activity_with("ama-pra-1", "acpe-p")
    result = check(learner("PharmD"), session)
    assert result.eligible == []
    [blocked] = result.blocked
    assert blocked.designation.credit_type.code == "acpe-p"
    assert blocked.needs_profile
    assert "NABP e-Profile ID and birth date" in blocked.reason


def test_it_allows_acpe_once_the_pharmacist_has_nabp_data():
    session = activity_with("acpe-p")
    profile = learner("PharmD", nabp_eprofile_id="1234567", birth_month=4, birth_day=9)
    assert codes(check(profile, session).eligible) == ["acpe-p"]


def test_it_gives_technicians_the_t_uan_and_pharmacists_the_p_uan():
    session = activity_with("acpe-p", "acpe-t")
    nabp = {"nabp_eprofile_id": "7654321", "birth_month": 12, "birth_day": 31}
    technician = check(learner("CPhT", **nabp), session).eligible
    pharmacist = check(learner("PharmD", **nabp), session).eligible
    assert [d.uan[-1] for d in technician] == ["T"]
    assert [d.uan[-1] for d in pharmacist] == ["P"]


def test_it_blocks_moc_for_a_diplomate_who_has_not_consented():
    session = activity_with("ama-pra-1", "moc-abim")
    profile = learner("MD")
    diplomate(profile, "ABIM", consented=False)
    result = check(profile, session)
    assert codes(result.eligible) == ["ama-pra-1"]
    [blocked] = result.blocked
    assert "consent" in blocked.reason and blocked.needs_profile


def test_it_gives_moc_to_a_consenting_diplomate_of_that_board_only():
    session = activity_with("ama-pra-1", "moc-abim", "moc-abp")
    profile = learner("MD")
    diplomate(profile, "ABIM", consented=True)
    result = check(profile, session)
    assert codes(result.eligible) == ["ama-pra-1", "moc-abim"]
    assert codes([b.designation for b in result.blocked]) == ["moc-abp"]


def test_it_hides_moc_from_non_physicians():
    session = activity_with("ancc", "moc-abim")
    result = check(learner("RN"), session)
    assert codes(result.eligible) == ["ancc"]
    assert codes([b.designation for b in result.not_applicable]) == ["moc-abim"]


def test_it_gives_ipce_to_anyone_on_a_team_planned_activity():
    session = activity_with("ama-pra-1", "ipce", is_ipce=True)
    assert codes(check(learner("MD"), session).eligible) == ["ama-pra-1", "ipce"]
    assert codes(check(learner("LCSW"), session).eligible) == ["ipce"]


def test_it_withholds_ipce_on_an_activity_not_planned_by_the_team():
    session = activity_with("ipce", is_ipce=False)
    assert check(learner("MD"), session).eligible == []


def test_it_gives_participation_only_without_a_profession_specific_type():
    session = activity_with("ama-pra-1", "participation")
    assert codes(check(learner("PT"), session).eligible) == ["participation"]
    assert codes(check(learner("RN"), session).eligible) == ["participation"]
    assert codes(check(learner("MD"), session).eligible) == ["ama-pra-1"]


def test_it_counts_every_credential_of_a_dual_professional():
    session = activity_with("ama-pra-1", "ancc")
    assert codes(check(learner("MD", "RN"), session).eligible) == ["ama-pra-1", "ancc"]
