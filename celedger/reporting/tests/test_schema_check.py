"""`schema_check` answers as jsonschema does on ACCME's learner-report item schema."""

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from celedger.reporting.batches import _report_schema
from celedger.reporting.writing import FORMAT_CHECKER, schema_check

VALID: dict[str, Any] = {
    "ReportingOrganization": "Lakeside Health",
    "Member": {"Name": {"GivenName": "Ada", "FamilyName": "Núñez"}},
    "Activity": {
        "ProviderOrganization": "JA4008106",
        "Module": {
            "ModuleName": {"value": "Grand rounds", "moduleID": "123"},
            "Status": "Completed",
            "CompletedDateTime": "2026-11-30T12:00:00-05:00",
            "CreditCertificate": [
                {
                    "UniqueID": [{"value": "123456", "domain": "ABIM"}],
                    "CreditReceived": {
                        "activityCertification": "Medical Knowledge",
                        "creditUnit": "Point",
                        "numberOfCredits": 1.5,
                    },
                    "CreditID": "ccid:lakeside:42",
                }
            ],
        },
    },
    "XtensibleInfo": {"LearnerRecordAction": "add"},
}


def _set(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


CERT = ["Activity", "Module", "CreditCertificate", 0]
CASES = [
    VALID,
    _set(["XtensibleInfo", "LearnerRecordAction"], "update"),  # enum
    _set(["Activity", "Module", "CompletedDateTime"], "2026-11-30"),  # date-time format
    _set([*CERT, "UniqueID", 0, "value"], ""),  # minLength
    _set([*CERT, "CreditID"], "ccid:a:b:c"),  # pattern
    _set([*CERT, "CreditReceived", "numberOfCredits"], "1.5"),  # type
    _set([*CERT, "CreditReceived", "numberOfCredits"], True),  # booleans are not numbers
    _set([*CERT, "UniqueID"], []),  # minItems
    _set(["Member", "Name", "GivenName"], KeyError),  # required
    _set(["Unexpected"], "x"),  # additionalProperties false
    _set(["Member", "PersonalInfo"], {"BirthDate": "1970-01-01"}),
    _set(["Member", "PersonalInfo"], {"BirthDate": "0101"}),
    _set(["Member"], "Ada Núñez"),  # an object's type
    _set(["Member", "Name"], ["Ada"]),
    _set(["Activity", "Module", "CreditCertificate"], {"UniqueID": []}),  # an array's type
    _set([*CERT, "UniqueID", 0], "123456"),  # an item's type
    _set([*CERT, "UniqueID"], [{"value": "1", "domain": "ABIM"}, {"value": "9"}]),  # 2nd item
    _set(["Activity", "Module", "ModuleName", "extra"], "x"),  # open object: allowed
]


@pytest.mark.parametrize("document", CASES)
def test_it_answers_as_jsonschema_does(document: dict[str, Any]) -> None:
    validator = Draft202012Validator(_report_schema(), format_checker=FORMAT_CHECKER)
    assert schema_check(_report_schema())(document) == validator.is_valid(document)


def test_it_refuses_a_keyword_it_does_not_check() -> None:
    with pytest.raises(NotImplementedError):
        schema_check({"type": "object", "anyOf": [{"required": ["a"]}]})


def test_it_checks_multiples_as_jsonschema_does() -> None:
    node = {"type": "number", "multipleOf": 0.25}
    validator = Draft202012Validator(node)
    for value in (0.25, 1.5, 1.3, 2, 1e308, True):
        assert schema_check(node)(value) == validator.is_valid(value), value
