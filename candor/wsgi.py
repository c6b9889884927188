import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
application = get_wsgi_application()

# Import every view now — the URL configuration, the API with its schemas, the analytics
# stack — while the worker boots, not inside the first request it serves (~0.6 s here; a
# worker started by a deploy or a restart would otherwise answer its first request that late).
get_resolver().url_patterns  # noqa: B018 - evaluated for its import side effect
