"""The JSON API (django-ninja). Each app contributes a router; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

api = NinjaAPI(
    title="Candor API",
    version="1",
    description=(
        "Candor's JSON API. Every call acts as the signed-in person (session cookie and "
        'CSRF token). Errors come as {"detail": …}; validation errors list each failing field.'
    ),
    auth=SessionAuth(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Sign in first."}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def register_routers() -> None:
    """Apps add their routers here, so the import order of urls.py stays simple."""
    from candor.learning.api import router as learning_router

    api.add_router("/", learning_router)
    api.add_router("/", "candor.signals.api.router")
    api.add_router("/", "candor.privacy.api.router")


register_routers()
