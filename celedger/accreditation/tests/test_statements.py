"""Designation statements as each accreditor requires (docs/credits.md cites each)."""

from decimal import Decimal

import pytest

from celedger.accreditation.models import CreditType
from celedger.accreditation.statements import (
    StatementFacts,
    joint_accreditation_statement,
    statement_fill,
    statement_unknown_placeholders,
)

pytestmark = pytest.mark.django_db


def filled(code: str, amount: str = "1.5", **facts: str) -> str:
    credit_type = CreditType.objects.get(code=code)
    return statement_fill(
        credit_type.designation_statement,
        StatementFacts(
            provider="Lakeside", credit_type=credit_type, amount=Decimal(amount), **facts
        ),
    )


@pytest.mark.parametrize(
    ("format", "phrase"),
    [
        ("live", "designates this live activity for a maximum of 6.5 AMA PRA"),
        ("rss", "designates this live activity for a maximum of 6.5 AMA PRA"),
        ("enduring", "designates this enduring material for a maximum of 6.5 AMA PRA"),
        ("journal", "designates this journal-based CME activity for a maximum of 6.5"),
        ("internet_live", "designates this internet live activity for a maximum of 6.5"),
    ],
)
def test_the_ama_statement_names_the_format(format: str, phrase: str) -> None:
    text = filled("ama-pra-1", "6.5", activity_format=format)
    assert f"Lakeside {phrase}" in text
    assert "6.5 AMA PRA Category 1 Credits™. Physicians should claim only the credit " in text
    assert "commensurate with the extent of their participation in the activity." in text


def test_the_ama_statement_says_credit_for_exactly_one() -> None:
    assert "maximum of 1 AMA PRA Category 1 Credit™." in filled("ama-pra-1", "1")


def test_the_acpe_statement_has_type_hours_ceus_uan_and_the_official_record() -> None:
    text = filled("acpe-p", "1.5", uan="0123-0000-26-001-L01-P", acpe_activity_type="application")
    assert "This application-based activity is approved for 1.5 contact hours (0.15 CEUs)" in text
    assert "UAN) 0123-0000-26-001-L01-P" in text
    assert "the official record of this credit is the pharmacist's NABP e-Profile (CPE " in text
    assert "technician's NABP e-Profile" in filled(
        "acpe-t", uan="x", acpe_activity_type="knowledge"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("moc-abim", "earn up to 1.5 ABIM Medical Knowledge MOC points in the American Board of "
         "Internal Medicine's (ABIM) Maintenance of Certification (MOC) program"),
        ("moc-abim-pa", "earn up to 1.5 ABIM Practice Assessment MOC points"),
        ("moc-abp", "earn up to 1.5 ABP MOC Part 2 points in the American Board of Pediatrics'"),
        ("moc-aba", "MOCA 2.0®, for up to 1.5 ABA MOCA 2.0® Lifelong Learning credits"),
        ("moc-abs", "1.5 ABS Accredited CME credits toward the CME requirements of the American "
         "Board of Surgery's Continuous Certification program"),
        ("moc-abpath", "American Board of Pathology's Continuing Certification program"),
        ("moc-abohns", "Head and Neck Surgery's Continuing Certification program"),
        ("moc-abts", "American Board of Thoracic Surgery's Maintenance of Certification"),
        ("moc-abos", "American Board of Orthopaedic Surgery's Maintenance of Certification"),
    ],
)  # fmt: skip
def test_each_board_has_its_own_statement_and_point_kind(code: str, words: str) -> None:
    text = " ".join(filled(code).split())
    assert words in text
    assert "hour" not in text


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("ancc", "Lakeside designates this activity for a maximum of 1.5 ANCC contact hours."),
        ("aapa-1", "This activity is designated for 1.5 AAPA Category 1 CME credits. PAs should"),
        ("apa", "Lakeside maintains responsibility for this program and its content."),
        ("aswb", "Regulatory boards are the final authority on courses accepted for continuing"),
        ("cdr", "1.5 CPEUs for registered dietitians (RDs)"),
        ("ada-cerp", "ADA CERP does not approve or endorse individual courses or instructors"),
        ("cope", "is COPE approved for 1.5 hours of continuing education credit"),
        ("boc", "eligible for a maximum of 1.5 Category A hours/CEUs. ATs should claim only"),
        ("ipce", "learners will receive 1.5 Interprofessional Continuing Education (IPCE) "
         "credits for learning and change."),
    ],
)  # fmt: skip
def test_each_accreditor_has_its_required_wording(code: str, words: str) -> None:
    assert words in " ".join(filled(code).split())


def test_it_leaves_unknown_placeholders_visible_and_finds_them() -> None:
    credit_type = CreditType.objects.get(code="ancc")
    facts = StatementFacts(provider="P", credit_type=credit_type, amount=Decimal("1"))
    assert (
        statement_fill("{provider} {credit} {credits}", facts) == "P {credit} 1 ANCC contact hour"
    )
    assert statement_unknown_placeholders("{provider} {credit} {amount}") == ["credit"]


def test_the_joint_accreditation_statement_names_the_three_accreditors() -> None:
    text = joint_accreditation_statement(provider="Lakeside")
    assert text.startswith("In support of improving patient care, Lakeside is jointly accredited")
    for accreditor in ("(ACCME)", "(ACPE)", "(ANCC)"):
        assert accreditor in text
