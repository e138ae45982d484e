"""WSGI entry point: ``gunicorn mysite.wsgi`` (see docs/django.md for --preload)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

application = get_wsgi_application()
