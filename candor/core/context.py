from django.conf import settings
from django.http import HttpRequest


def candor(request: HttpRequest) -> dict[str, object]:
    return {"CANDOR_ENV": settings.ENV, "CANDOR_DEMO": settings.CANDOR_DEMO}
