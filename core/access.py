"""Access helpers. Forbidden and nonexistent look the same: 404."""

from functools import wraps

from django.http import Http404


def administrator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and (user.is_administrator or user.is_superuser)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
