from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST, even an empty one (`request.POST or None` would treat an empty
    submission as no submission and skip validation)."""
    return request.POST if request.method == "POST" else None
