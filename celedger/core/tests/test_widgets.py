"""`WidgetRenderer` writes the stock widgets exactly as Django's templates do."""

import datetime
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from celedger.core.widgets import WidgetRenderer

GROUPED = [
    ("", "—"),
    ("Physicians", [("md", "MD <doctor>"), ("do", "DO")]),
    ("Nurses", [("rn", "RN & co")]),
    (3, 3),
]


class Everything(forms.Form):
    name = forms.CharField(help_text="As on your license", max_length=20)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"class": "wide"}))
    hours = forms.DecimalField(max_digits=4, decimal_places=2)
    count = forms.IntegerField(required=False)
    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    agreed = forms.BooleanField(help_text="Tick it")
    optional = forms.BooleanField(required=False, disabled=True)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    scale = forms.TypedChoiceField(
        choices=[(str(k), f"{k} — <b>{k}</b>") for k in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Pick one",
    )
    grouped_radio = forms.ChoiceField(
        required=False, choices=GROUPED, widget=forms.RadioSelect(attrs={"class": "choices"})
    )
    several = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(choices=GROUPED, required=False)
    kinds = forms.MultipleChoiceField(choices=GROUPED, required=False)
    safe_label = forms.ChoiceField(
        choices=[("x", mark_safe("<em>x</em>"))], widget=forms.RadioSelect, required=False
    )


BOUND_CASES: list[dict[str, Any] | None] = [
    None,
    {},
    {
        "name": 'Ann "<O\'Neil>"',
        "email": "not an email",
        "hours": "1.5",
        "count": "x",
        "on": "2026-12-02",
        "secret": "s",
        "token": "<t>",
        "agreed": "on",
        "notes": "line one\n<line two> & 'three'",
        "scale": "3",
        "grouped_radio": "md",
        "several": ["a", "c"],
        "kind": "rn",
        "kinds": ["md", "3"],
        "safe_label": "x",
    },
]


def rendered(form_class: type[forms.Form], data: Any, renderer: Any, **kwargs: Any) -> list[str]:
    form = form_class(data, renderer=renderer, **kwargs)
    if data is not None:
        form.is_valid()
    out = []
    for field in form:
        out.append(str(field))
        out.append(field.as_widget())
        if hasattr(field.field.widget, "optgroups") and field.field.widget.input_type in (
            "radio",
            "checkbox",
        ):
            for option in field:
                out.append(option.tag())
                out.append(str(option))
    out.append(form.as_div())
    return out


@pytest.mark.parametrize("data", BOUND_CASES)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_it_writes_what_the_templates_write(data: Any, auto_id: Any) -> None:
    initial = {"on": datetime.date(2026, 1, 2), "hours": "2.00", "several": ["b"]}
    ours = rendered(Everything, data, WidgetRenderer(), auto_id=auto_id, initial=initial)
    django = rendered(Everything, data, DjangoTemplates(), auto_id=auto_id, initial=initial)
    assert len(ours) == len(django)
    for mine, theirs in zip(ours, django, strict=True):
        assert mine == theirs


def test_it_is_the_projects_renderer() -> None:
    assert isinstance(get_default_renderer(), WidgetRenderer)


def test_it_leaves_other_templates_to_the_engine() -> None:
    class Custom(forms.RadioSelect):
        option_template_name = "django/forms/widgets/input.html"

    class CustomForm(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A")], widget=Custom)

    ours = rendered(CustomForm, {"pick": "a"}, WidgetRenderer())
    assert ours == rendered(CustomForm, {"pick": "a"}, DjangoTemplates())
