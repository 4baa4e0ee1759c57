import os

from django.core.asgi import get_asgi_application

from focus.startup import require_production_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "focus.settings")
require_production_settings()  # before serving anything
application = get_asgi_application()
