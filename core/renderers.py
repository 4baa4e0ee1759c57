"""The form renderer: the project's templates, except for the choice widgets and the group,
label and error list around every field, written in Python.

Django renders a select through one template include per option, and each checkbox of a
CheckboxSelectMultiple through four. At 150 sites that was most of the dashboard's time, and
a quarter of the situation list's (its filter form). `FormRenderer` writes the same markup
(tests/test_performance.py compares the two) with plain escaped strings, many times faster,
for Django's own select and checkbox templates; every other template, and any widget with an
option template of its own, still renders from templates/ and Django's defaults.
"""

from functools import cache
from pathlib import Path

from django import forms
from django.forms.renderers import TemplatesSetting
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


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


def _field_group(context: dict) -> str:
    # As django/forms/field.html (BoundField.as_field_group): every form's every field.
    field = context["field"]
    parts = []
    if field.use_fieldset:
        described = field.aria_describedby
        aria = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        parts.append(f"<fieldset{aria}>")
        if field.label:
            parts.append(str(field.legend_tag()))
    elif field.label:
        parts.append(str(field.label_tag()))
    if field.help_text:
        # The template marks help text safe: it is the project's own, never a person's.
        id_attr = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        parts.append(f'<div class="helptext"{id_attr}>{field.help_text}</div>')
    parts.append(str(field.errors))
    parts.append(str(field))
    if field.use_fieldset:
        parts.append("</fieldset>")
    return "\n".join(parts)


def _label(context: dict) -> str:
    # As django/forms/label.html (a field's <label> or <legend>).
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return str(label)
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _error_list(context: dict) -> str:
    # As django/forms/errors/list/ul.html.
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{conditional_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{conditional_escape(context["error_class"])}"{id_attr}>{items}</ul>'


# Each widget writer with the option template it stands in for.
WRITERS = {
    "django/forms/widgets/select.html": (_select, "django/forms/widgets/select_option.html"),
    "django/forms/widgets/checkbox_select.html": (
        _checkboxes,
        "django/forms/widgets/checkbox_option.html",
    ),
}
# And the templates around every field: its group, its label, its errors.
FIELD_WRITERS = {
    "django/forms/field.html": _field_group,
    "django/forms/label.html": _label,
    "django/forms/errors/list/ul.html": _error_list,
}


@cache
def _djangos_own(template_name: str) -> bool:
    """Only Django's own template is stood in for: an override in templates/ is rendered."""
    origin = get_template(template_name).origin.name
    return Path(origin).is_relative_to(Path(forms.__file__).parent)


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        field_writer = FIELD_WRITERS.get(template_name)
        if field_writer is not None and _djangos_own(template_name):
            return mark_safe(field_writer(context))  # noqa: S308  # nosec B703 B308 - all escaped above
        writer, option_template = WRITERS.get(template_name, (None, None))
        widget = context.get("widget")
        if writer is None or widget is None or _option_templates(widget) - {option_template}:
            return super().render(template_name, context, request)
        # Every value went through conditional_escape; Widget._render marks the result safe.
        return writer(widget)


def _option_templates(widget: dict) -> set[str]:
    return {option["template_name"] for _, options, _ in widget["optgroups"] for option in options}
