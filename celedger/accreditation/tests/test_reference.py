import pytest
from django.apps import apps as django_apps

from celedger.accreditation.models import Board, Credential, CreditType, Profession, Specialty
from celedger.accreditation.reference import load_reference_data
from celedger.accreditation.selectors import (
    credit_types_for_credentials,
    profession_for_credentials,
)
from celedger.accreditation.statements import statement_unknown_placeholders

pytestmark = pytest.mark.django_db

PROFESSIONS = {
    "physician", "physician-assistant", "nurse", "pharmacist", "pharmacy-technician",
    "psychologist", "social-worker", "dietitian", "dentist", "optometrist",
    "athletic-trainer", "allied-health",
}  # fmt: skip
CREDIT_TYPES = {
    "ama-pra-1", "aapa-1", "ancc", "acpe-p", "acpe-t", "apa", "aswb", "cdr", "ada-cerp",
    "cope", "boc", "participation", "ipce", "moc-abim", "moc-abp", "moc-aba", "moc-abs",
    "moc-abos", "moc-abohns", "moc-abpath", "moc-abts",
}  # fmt: skip


def creds(*abbreviations: str) -> list[Credential]:
    return list(Credential.objects.filter(abbreviation__in=abbreviations))


def codes(*abbreviations: str) -> list[str]:
    return [t.code for t in credit_types_for_credentials(credentials=creds(*abbreviations))]


def test_it_ships_the_agreed_codes() -> None:
    assert set(Profession.objects.values_list("code", flat=True)) >= PROFESSIONS
    assert set(CreditType.objects.values_list("code", flat=True)) >= CREDIT_TYPES
    pars = set(Board.objects.filter(reports_through_pars=True).values_list("code", flat=True))
    assert pars == {"ABA", "ABIM", "ABOS", "ABOHNS", "ABPath", "ABP", "ABS", "ABTS"}
    assert Board.objects.count() == 24
    assert CreditType.objects.get(code="moc-abim").board.code == "ABIM"
    assert CreditType.objects.get(code="acpe-t").requires_nabp
    assert CreditType.objects.get(code="ipce").is_ipce
    assert CreditType.objects.get(code="participation").is_participation
    assert Specialty.objects.filter(parent__name="Internal Medicine").exists()


def test_it_words_statements_with_placeholders() -> None:
    ama = CreditType.objects.get(code="ama-pra-1").designation_statement
    assert "{provider}" in ama and "{credits}" in ama and "{format}" in ama
    assert "Physicians should claim only the credit commensurate with the extent" in ama
    for credit_type in CreditType.objects.all():
        # Statements use only the documented placeholders (docs/credits.md).
        assert statement_unknown_placeholders(credit_type.designation_statement) == []
        assert "{credits}" in credit_type.designation_statement, credit_type.code


def test_it_maps_credentials_to_credit_types() -> None:
    assert codes("MD") == ["ama-pra-1"]
    # A PhD is a degree, not a profession: it adds no APA credit by itself.
    assert codes("MD", "PhD") == ["ama-pra-1"]
    assert codes("PhD") == [] and codes("MS", "MPH") == []
    assert codes("PsyD") == ["apa"]
    assert codes("PA-C") == ["aapa-1"]
    assert codes("RN", "NP") == ["ancc"]
    assert codes("PharmD") == ["acpe-p"]
    assert codes("CPhT") == ["acpe-t"]
    assert codes("LCSW") == ["aswb"]
    assert codes("RD") == ["cdr"]
    assert codes("DDS") == ["ada-cerp"]
    assert codes("OD") == ["cope"]
    assert codes("ATC") == ["boc"]
    assert codes("PT", "RRT") == ["participation"]
    assert codes() == []


def test_it_defaults_the_profession_from_the_first_in_order() -> None:
    assert profession_for_credentials(credentials=creds("PhD", "MD")).code == "physician"
    assert profession_for_credentials(credentials=creds("PhD")) is None
    assert profession_for_credentials(credentials=creds("CPhT")).code == "pharmacy-technician"
    assert profession_for_credentials(credentials=[]) is None


def test_it_reloads_reference_data_idempotently() -> None:
    before = CreditType.objects.count(), Credential.objects.count(), Specialty.objects.count()
    load_reference_data(django_apps)
    after = CreditType.objects.count(), Credential.objects.count(), Specialty.objects.count()
    assert before == after
