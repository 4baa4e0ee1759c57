"""Widgets that render Django's own markup in Python.

Django renders each checkbox of a CheckboxSelectMultiple through four template includes; at
150 sites that was most of the dashboard's time. `Checkboxes` writes the same markup
(tests/test_performance.py compares the two) with plain escaped strings, many times faster.
"""

from django import forms
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


def _option(option: dict) -> str:
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


class Checkboxes(forms.CheckboxSelectMultiple):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"<div><label>{conditional_escape(group)}</label>")
            parts += [f"<div>{_option(option)}</div>" for option in options]
            if group:
                parts.append("</div>")
        outer = {"id": widget["attrs"].get("id"), "class": widget["attrs"].get("class")}
        outer_attrs = _attrs({key: value for key, value in outer.items() if value})
        # Every value above went through conditional_escape.
        return mark_safe(f"<div{outer_attrs}>{''.join(parts)}</div>")  # noqa: S308  # nosec B308 B703
