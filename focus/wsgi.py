import os

from django.core.wsgi import get_wsgi_application

from focus.startup import require_production_settings
from focus.warm import warm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "focus.settings")
require_production_settings()  # before serving anything
application = get_wsgi_application()
warm()  # views, templates and catalogues loaded before the first request (focus/warm.py)
