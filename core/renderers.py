"""The form renderer: the project's templates, except for the choice widgets, written in Python.

Django renders a select through one template include per option, and each checkbox of a
CheckboxSelectMultiple through four. At 150 sites that was most of the dashboard's time, and
a quarter of the situation list's (its filter form). `FormRenderer` writes the same markup
(tests/test_performance.py compares the two) with plain escaped strings, many times faster,
for Django's own select and checkbox templates; every other template, and any widget with an
option template of its own, still renders from templates/ and Django's defaults.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False is left out, True is a bare attribute.
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _checkbox(option: dict) -> str:
    # As django/forms/widgets/input_option.html and input.html.
    value = "" if option["value"] is None else f' value="{conditional_escape(option["value"])}"'
    box = (
        f'<input type="{conditional_escape(option["type"])}" '
        f'name="{conditional_escape(option["name"])}"{value}{_attrs(option["attrs"])}>'
    )
    if not option["wrap_label"]:
        return box
    label_for = option["attrs"].get("id")
    opening = f'<label for="{conditional_escape(label_for)}">' if label_for else "<label>"
    return f"{opening}{box} {conditional_escape(option['label'])}</label>"


def _checkboxes(widget: dict) -> str:
    # As django/forms/widgets/multiple_input.html.
    parts = []
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"<div><label>{conditional_escape(group)}</label>")
        parts += [f"<div>{_checkbox(option)}</div>" for option in options]
        if group:
            parts.append("</div>")
    outer = {"id": widget["attrs"].get("id"), "class": widget["attrs"].get("class")}
    outer_attrs = _attrs({key: value for key, value in outer.items() if value})
    return f"<div{outer_attrs}>{''.join(parts)}</div>"


def _option(option: dict) -> str:
    # As django/forms/widgets/select_option.html.
    value, label = conditional_escape(option["value"]), conditional_escape(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>'


def _select(widget: dict) -> str:
    # As django/forms/widgets/select.html.
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'<optgroup label="{conditional_escape(group)}">')
        parts += [_option(option) for option in options]
        if group:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


# Each writer with the option template it stands in for.
WRITERS = {
    "django/forms/widgets/select.html": (_select, "django/forms/widgets/select_option.html"),
    "django/forms/widgets/checkbox_select.html": (
        _checkboxes,
        "django/forms/widgets/checkbox_option.html",
    ),
}


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        writer, option_template = WRITERS.get(template_name, (None, None))
        widget = context.get("widget")
        if writer is None or widget is None or _option_templates(widget) - {option_template}:
            return super().render(template_name, context, request)
        # Every value went through conditional_escape; Widget._render marks the result safe.
        return writer(widget)


def _option_templates(widget: dict) -> set[str]:
    return {option["template_name"] for _, options, _ in widget["optgroups"] for option in options}
