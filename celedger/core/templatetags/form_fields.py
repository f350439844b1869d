"""`{% form_field field %}`: one form field's markup, written in Python (issue 10).

The same markup as `templates/includes/field.html`, byte for byte (tested against it in
core/tests/test_form_fields.py): the label tied to the input, the required mark, the help
text and the errors with the ids the widget's `aria-describedby` points at, and
`required_when` ("board", "pharmacy": the page's script shows the mark once that choice is
made). The include cost a template context, about twenty variable lookups and a fresh
`ErrorList` for each `field.errors` per field: on the claim page and the transcript's
filters more than the rest of the form.
"""

from typing import Any

from django import template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_REQUIRED = ' <span class="req" aria-hidden="true">*</span>'
_REQUIRED_LATER = ' <span class="req" aria-hidden="true" data-required-mark hidden>*</span>'


def render_field(field: BoundField, required_when: str = "") -> SafeString:
    """What `{% include "includes/field.html" with field=… required_when=… %}` renders."""
    esc = conditional_escape
    errors = field.errors
    checkbox = getattr(field.field.widget, "input_type", None) == "checkbox"
    required = field.field.required
    auto_id = esc(field.auto_id)
    out = [
        '\n\n\n<div class="field',
        " field-error" if errors else "",
        " field-checkbox" if checkbox else "",
        f'" id="field-{esc(field.html_name)}"',
        f' data-required-when="{esc(required_when)}"' if required_when else "",
        ">\n  ",
    ]
    label_open = f'<label for="{esc(field.id_for_label)}">{esc(field.label)}'
    if checkbox:
        mark = _REQUIRED if required else ""
        out.append(f"\n    {field}\n    {label_open}{mark}</label>\n  ")
    else:
        mark = _REQUIRED if required else _REQUIRED_LATER if required_when else ""
        out.append(f"\n    {label_open}{mark}</label>\n    {field}\n  ")
    out.append("\n  ")
    if field.help_text:
        out.append(f'<p class="help" id="{auto_id}_helptext">{esc(field.help_text)}</p>')
    out.append("\n  ")
    if errors:
        items = "".join(f"<li>{esc(str(error))}</li>" for error in errors)
        out.append(f'\n    <ul class="errorlist" id="{auto_id}_error">{items}</ul>\n  ')
    out.append("\n</div>\n")
    # Every value above is escaped.
    return mark_safe("".join(out))


@register.simple_tag
def form_field(field: Any, required_when: str = "") -> SafeString:
    if not isinstance(field, BoundField):
        # A missing field (`form.absent` resolves to ""): what the include made of it.
        return render_to_string(
            "includes/field.html", {"field": field, "required_when": required_when}
        )
    return render_field(field, required_when)
