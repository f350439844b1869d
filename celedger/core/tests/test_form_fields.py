"""`{% form_field %}` writes what `includes/field.html` wrote, byte for byte."""

import datetime
from typing import Any

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from celedger.core.templatetags.form_fields import render_field
from celedger.core.tests.test_widgets import BOUND_CASES, Everything
from celedger.credits.forms import TranscriptFilterForm
from celedger.profiles.forms import ProfileForm


def included(field: Any, required_when: str = "") -> str:
    context = {"field": field}
    if required_when:
        context["required_when"] = required_when
    return render_to_string("includes/field.html", context)


class Odd(forms.Form):
    lazy = forms.CharField(label=gettext_lazy("Lazy <label>"), help_text=gettext_lazy("a & b"))
    marked = forms.CharField(
        label=mark_safe("<em>Marked</em>"), help_text=mark_safe("<b>safe</b>"), required=False
    )
    ticked = forms.BooleanField(required=False, label="Optional & ticked", help_text="<why>")
    named = forms.CharField(required=False, label="")
    with_initial = forms.CharField(required=False, show_hidden_initial=True, initial="x")

    def clean(self) -> dict[str, Any]:
        self.add_error("named", "First & <second>")
        self.add_error("named", forms.ValidationError("Third %(n)s", params={"n": "<3>"}))
        return self.cleaned_data


@pytest.mark.parametrize("data", [*BOUND_CASES, {"lazy": "", "ticked": "on"}])
@pytest.mark.parametrize("auto_id", ["id_%s", False, "f-%s"])
@pytest.mark.parametrize("required_when", ["", "board", 'board "pharmacy"'])
@pytest.mark.parametrize("form_class", [Everything, Odd])
def test_it_writes_what_the_include_wrote(
    form_class: type[forms.Form], data: Any, auto_id: Any, required_when: str
) -> None:
    initial = {"on": datetime.date(2026, 1, 2), "hours": "2.00", "several": ["b"]}
    form = form_class(data, auto_id=auto_id, initial=initial, prefix="p" if auto_id else None)
    if data is not None:
        form.is_valid()
    for field in form:
        assert render_field(field, required_when) == included(field, required_when), field.name


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"date_from": "2026-13-01", "date_to": "x"}])
def test_the_pages_forms_are_written_alike(data: Any) -> None:
    transcript = TranscriptFilterForm(data, credit_types=[("a", "A & B")], publishers=[])
    profile = ProfileForm(data)
    for form in (transcript, profile):
        if data:
            form.is_valid()
        for field in form:
            for required_when in ("", "board pharmacy"):
                assert render_field(field, required_when) == included(field, required_when)


def test_the_tag_takes_the_field_and_its_condition() -> None:
    form = Odd()
    template = Template(
        "{% load form_fields %}{% form_field form.lazy %}"
        '{% form_field form.named required_when="board" %}'
    )
    assert template.render(Context({"form": form})) == included(form["lazy"]) + included(
        form["named"], "board"
    )


def test_a_missing_field_renders_as_the_include_did() -> None:
    template = Template("{% load form_fields %}{% form_field form.absent %}")
    assert template.render(Context({"form": Odd()})) == included("")
