"""Rules per credit type shipped as reference data (docs/credits.md cites each)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from celedger.accreditation.models import CreditType
from celedger.accreditation.phrases import acpe_ceus_text, amount_text, credit_amount_phrase

pytestmark = pytest.mark.django_db

Partial = CreditType.PartialCredit


def ct(code: str) -> CreditType:
    return CreditType.objects.get(code=code)


def test_it_lets_physicians_choose_ama_pra_credit_up_to_the_maximum() -> None:
    ama = ct("ama-pra-1")
    assert ama.partial_credit == Partial.LEARNER_CHOOSES
    assert ama.allows_partial and ama.allows_session_subset


def test_it_gives_acpe_credit_only_for_the_uans_designated_hours() -> None:
    for code in ("acpe-p", "acpe-t"):
        acpe = ct(code)
        assert acpe.partial_credit == Partial.NOT_ALLOWED
        assert not acpe.allows_partial and not acpe.allows_session_subset


def test_it_allows_no_partial_abp_moc_points() -> None:
    abp = ct("moc-abp")
    assert abp.partial_credit == Partial.NOT_ALLOWED
    assert not abp.allows_partial


def test_it_gives_ancc_contact_hours_by_sessions_attended() -> None:
    ancc = ct("ancc")
    assert ancc.partial_credit == Partial.SESSIONS_ATTENDED
    assert ancc.allows_session_subset and not ancc.allows_partial


def test_it_needs_a_passed_post_test_for_moc_and_acpe_home_study() -> None:
    for code in ("moc-abim", "moc-abim-pa", "moc-abp", "moc-aba", "moc-abs", "moc-abts"):
        assert ct(code).needs_passed_post_test(home_study=False), code
    acpe = ct("acpe-p")
    assert acpe.needs_passed_post_test(home_study=True)
    assert not acpe.needs_passed_post_test(home_study=False)
    ama = ct("ama-pra-1")
    assert not ama.needs_passed_post_test(home_study=True)


def test_it_ships_abim_practice_assessment_beside_medical_knowledge() -> None:
    assert ct("moc-abim").board == ct("moc-abim-pa").board
    assert "Medical Knowledge" in ct("moc-abim").unit
    assert "Practice Assessment" in ct("moc-abim-pa").unit


@pytest.mark.parametrize(
    ("code", "amount", "phrase"),
    [
        ("ama-pra-1", "1.00", "1 AMA PRA Category 1 Credit™"),
        ("ama-pra-1", "2", "2 AMA PRA Category 1 Credits™"),
        ("ama-pra-1", "6.50", "6.5 AMA PRA Category 1 Credits™"),
        ("ama-pra-1", "0.25", "0.25 AMA PRA Category 1 Credits™"),
        ("acpe-p", "1", "1 contact hour"),
        ("acpe-p", "1.5", "1.5 contact hours"),
        ("ancc", "1", "1 ANCC contact hour"),
        ("moc-abim", "1", "1 ABIM Medical Knowledge MOC point"),
        ("moc-abp", "3", "3 ABP MOC Part 2 points"),
        ("cdr", "1", "1 CPEU"),
    ],
)
def test_it_words_amounts_with_singular_and_plural_units(
    code: str, amount: str, phrase: str
) -> None:
    assert credit_amount_phrase(ct(code), Decimal(amount)) == phrase


def test_it_never_calls_points_hours() -> None:
    for credit_type in CreditType.objects.filter(board__isnull=False):
        assert "hour" not in credit_type.unit.lower(), credit_type.code
        assert "hour" not in credit_type.unit_singular.lower(), credit_type.code
        assert credit_type.unit_singular != credit_type.unit, credit_type.code


def test_every_shipped_type_has_both_unit_words() -> None:
    for credit_type in CreditType.objects.all():
        assert credit_type.unit_singular and credit_type.unit, credit_type.code
        assert credit_type.unit_singular != credit_type.unit, credit_type.code


def test_it_prints_amounts_and_ceus_without_trailing_zeros() -> None:
    assert amount_text(Decimal("1.00")) == "1"
    assert amount_text(Decimal("10.00")) == "10"
    assert amount_text(Decimal("1.25")) == "1.25"
    assert acpe_ceus_text(Decimal("1.5")) == "0.15"
    assert acpe_ceus_text(Decimal("10")) == "1.0"
    assert acpe_ceus_text(Decimal("2.25")) == "0.225"


def test_the_template_filter_uses_the_same_words() -> None:
    template = Template("{% load credit_amounts %}{{ hours|credit_amount:ct }}")
    assert template.render(Context({"hours": Decimal("1.00"), "ct": ct("acpe-t")})) == (
        "1 contact hour"
    )
