from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict

# The range of a 64-bit primary key. SQLite raises OverflowError (a 500) for a larger integer
# in a query, so an out-of-range id is turned away as an invalid choice before any query runs.
PK_RANGE = range(-(2**63), 2**63)


def posted(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST, even an empty one (`request.POST or None` would treat an empty
    submission as no submission and skip validation)."""
    return request.POST if request.method == "POST" else None


def _out_of_range(value) -> bool:
    try:
        return int(str(value)) not in PK_RANGE
    except (TypeError, ValueError):
        return False  # not a number at all: Django's own validation says so


class ReadOnceChoiceIterator(forms.models.ModelChoiceIterator):
    """A select's options read by one plain query, kept for the request. Django's iterator
    reads them through `QuerySet.iterator()`, which on PostgreSQL is a server-side cursor
    (DECLARE, FETCH, CLOSE): three round trips for a dozen agencies, and counted once more
    by `len()`. The lists here are short, and the queryset's own cache holds them."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self):
        return len(self.queryset) + (1 if self.field.empty_label is not None else 0)


class BoundedModelChoiceField(forms.ModelChoiceField):
    iterator = ReadOnceChoiceIterator

    def to_python(self, value):
        if value not in self.empty_values and _out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ReadOnceChoiceIterator

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            for item in value:
                if _out_of_range(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super().clean(value)
