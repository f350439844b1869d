"""Form widgets written out in Python instead of through the template engine (issue 10).

Django renders every widget, and every radio button and checkbox of a choice, through its
templates (`django/forms/widgets/*.html`): a context, a template and two includes per
input. The evaluation page has about fifty radio buttons and spent a third of its CPU
there. `WidgetRenderer` (settings.FORM_RENDERER) writes the stock input, option, select
and textarea templates as Django's own templates would, byte for byte (tested against
them in core/tests/test_widgets.py); any other template (a custom widget's, the form and
field layouts) still goes through the templates.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

_W = "django/forms/widgets/"


def _attrs(attrs: Mapping[str, Any]) -> str:
    # attrs.html: False leaves the attribute out, True writes it bare.
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _text(value: Any) -> str:
    # `{{ value }}`: localized, then escaped.
    return str(conditional_escape(localize(value)))


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _input_option(widget: Mapping[str, Any]) -> str:
    """input_option.html as an include leaves it (the trailing newlines count in a list)."""
    tag = _input(widget) + "\n"
    if not widget.get("wrap_label"):
        return tag + "\n\n"
    id_ = widget["attrs"].get("id")
    label_for = f' for="{conditional_escape(id_)}"' if id_ else ""
    return f"<label{label_for}>{tag} {_text(widget['label'])}</label>\n\n"


def _multiple_input(widget: Mapping[str, Any]) -> str:
    id_ = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    out = [
        "<div",
        f' id="{conditional_escape(id_)}"' if id_ else "",
        f' class="{conditional_escape(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            out.append(f"<div>\n    {_option(option)}</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _select_option(widget: Mapping[str, Any]) -> str:
    return (
        f'<option value="{conditional_escape(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_text(widget['label'])}</option>\n"
    )


def _select(widget: Mapping[str, Any]) -> str:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f'\n  <optgroup label="{_text(group)}">')
        for option in options:
            out.append(f"\n  {_option(option)}")
        if group:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


_INPUT_TEMPLATES = (
    "input checkbox color date datetime email hidden number password search tel text time url"
)
# Whole widgets, as `renderer.render` returns them (stripped).
_WRITERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"{_W}{name}.html": _input for name in _INPUT_TEMPLATES.split()},
    **{
        f"{_W}{name}.html": lambda widget: _input_option(widget).strip()
        for name in ("input_option", "radio_option", "checkbox_option")
    },
    **{
        f"{_W}{name}.html": _multiple_input
        for name in ("multiple_input", "radio", "checkbox_select")
    },
    f"{_W}select.html": _select,
    f"{_W}select_option.html": lambda widget: _select_option(widget).strip(),
    f"{_W}textarea.html": _textarea,
}
# Options inside a list or a select, as `{% include option.template_name %}` leaves them.
_OPTION_WRITERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{
        f"{_W}{name}.html": _input_option
        for name in ("input_option", "radio_option", "checkbox_option")
    },
    f"{_W}select_option.html": _select_option,
}


def _option(option: Mapping[str, Any]) -> str:
    write = _OPTION_WRITERS.get(option["template_name"])
    if write is None:
        raise _NotStock
    return write(option)


class _NotStock(Exception):
    """An option with a template of its own: the whole widget goes through the templates."""


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, with the stock widget templates written out in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = _WRITERS.get(template_name)
        if write is not None:
            try:
                return write(context["widget"])
            except _NotStock:
                pass
        return str(super().render(template_name, context, request))
