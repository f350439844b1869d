"""ACPE UAN parsing: normalized, and each wrong part named."""

import pytest

from celedger.accreditation.uan import UanError, provider_numbers, uan_check, uan_parse


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("0197-0000-26-035-L01-P", "0197-0000-26-035-L01-P"),
        ("  0197 - 0000 - 26 - 035 - l01 - p ", "0197-0000-26-035-L01-P"),
        ("ja4008106-0000-26-035-h01-p", "JA4008106-0000-26-035-H01-P"),
        ("JA4008106 0000 26 035 H01 P".replace(" ", ""), "JA4008106-0000-26-035-H01-P"),
        ("019799992603 5L08T".replace(" ", ""), "0197-9999-26-035-L08-T"),
    ],
)
def test_it_normalizes_case_spaces_and_dashes(typed: str, normalized: str) -> None:
    assert str(uan_parse(typed)) == normalized


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0197-0000-26-035-L01", "six parts"),
        ("197-0000-26-035-L01-P", "provider part “197”"),
        ("JA400810-0000-26-035-L01-P", "provider part “JA400810”"),
        ("0197-1234-26-035-L01-P", "second part “1234” must be 0000"),
        ("0197-0000-2026-035-L01-P", "year part “2026”"),
        ("0197-0000-26-35-L01-P", "sequence part “35”"),
        ("0197-0000-26-035-X01-P", "format letter “X”"),
        ("0197-0000-26-035-L09-P", "topic designator “09”"),
        ("0197-0000-26-035-L99-P", "topic designator “99”"),
        ("0197-0000-26-035-L01-Q", "last part “Q”"),
        ("nonsense", "six parts"),
    ],
)
def test_it_names_the_wrong_part(typed: str, says: str) -> None:
    with pytest.raises(UanError) as raised:
        uan_parse(typed)
    assert says in str(raised.value)


def test_it_knows_the_topic_it_was_given() -> None:
    uan = uan_parse("0197-0000-26-035-H08-P")
    assert uan.is_home_study
    assert uan.topic_name == "Pain management/opioids"


def test_it_checks_provider_format_and_audience() -> None:
    mine = provider_numbers(acpe_provider_number="0197", ja_provider_id="4008106")
    assert mine == {"0197", "JA4008106"}
    ok = uan_parse("JA4008106-0000-26-035-H01-P")
    assert uan_check(ok, allowed_providers=mine, home_study=True, audience="P") == []
    [problem] = uan_check(
        uan_parse("0198-0000-26-035-H01-P"), allowed_providers=mine, home_study=True, audience="P"
    )
    assert "provider part “0198” is not this publisher's (0197 or JA4008106)" in problem
    [problem] = uan_check(ok, allowed_providers=mine, home_study=False, audience="P")
    assert "needs L (live)" in problem
    [problem] = uan_check(ok, allowed_providers=mine, home_study=None, audience="T")
    assert "ends in -T, not -P" in problem
    [problem] = uan_check(ok, allowed_providers=set(), home_study=True, audience="P")
    assert "add the publisher's ACPE provider number" in problem
