"""Settings of the example project: a JSON API that starts and reports task runs."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "true") == "true"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "render_sdk.contrib.django",
    "runs",
]

# A JSON API called by other services (no cookies, no sessions, hence no CSRF middleware).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # SDK errors a view does not handle itself become JSON answers (404, 503, ...).
    "render_sdk.contrib.django.RenderErrorMiddleware",
]

ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

# The API key comes from RENDER_API_KEY in the environment (or, for the local server,
# RENDER_USE_LOCAL_DEV=true needs none). Requests in a view should give up quickly:
# a user is waiting on the other end.
RENDER_SDK = {
    "TIMEOUT": (3, 10),
    "MAX_RETRIES": 2,
}
