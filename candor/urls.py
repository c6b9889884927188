from django.urls import include, path

from candor.core.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("candor.accounts.urls")),
    path("", include("candor.learning.urls")),
    path("", include("candor.insights.urls")),
    path("", include("candor.privacy.urls")),
]
