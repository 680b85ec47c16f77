"""WSGI entry point for fupin's web server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
application = get_wsgi_application()
