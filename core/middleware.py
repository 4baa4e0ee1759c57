from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session expired goes to sign-in as a whole page.

    Otherwise htmx would follow the redirect and swap the sign-in page into a fragment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and not request.user.is_authenticated
        ):
            login_url = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").startswith(login_url):
                current = request.htmx.current_url_abs_path or "/"
                target = redirect_to_login(current, login_url)["Location"]
                return HttpResponseClientRedirect(target)
        return response
