from django.urls import path

from candor.insights import learner_views, views

app_name = "insights"
urlpatterns = [
    path("insights/me/", learner_views.me, name="me"),
    path("insights/courses/", views.courses, name="courses"),
    path("insights/courses/<slug:track>/", views.report, name="report"),
    path("insights/courses/<slug:track>/release", views.release, name="release"),
    path("insights/courses/<slug:track>/report.csv", views.export, name="export"),
    path("insights/releases/<int:release_id>/status", views.release_status, name="release_status"),
    path("insights/ledger/", views.ledger, name="ledger"),
]
