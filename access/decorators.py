"""Pages that act on no object ask the policy's GLOBAL table."""

from functools import wraps

from core.errors import NotFound

from . import policy


def requires(action: str):
    """The view answers 404 to anyone the policy does not allow `action` (GLOBAL)."""
    policy.GLOBAL[action]  # an unknown action fails at import, not at the first request

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not policy.allows(request.user, action):
                raise NotFound
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
