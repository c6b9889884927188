from django.urls import path

from candor.learning import manager_export, manager_views, views

app_name = "learning"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tracks/", views.catalogue, name="catalogue"),
    path("tracks/<slug:track>/", views.track_page, name="track"),
    path("tracks/<slug:track>/<slug:module>/", views.module_page, name="module"),
    path(
        "tracks/<slug:track>/<slug:module>/lessons/<slug:lesson>/",
        views.lesson_page,
        name="lesson",
    ),
    path(
        "tracks/<slug:track>/<slug:module>/exercises/<slug:exercise>/",
        views.exercise_page,
        name="exercise",
    ),
    path("attempts/<int:attempt_id>/status", views.attempt_status, name="attempt_status"),
    path("team/", manager_views.team, name="team"),
    path("team/compliance/", manager_export.team_compliance, name="team_compliance"),
    path("team/compliance.csv", manager_export.team_export, name="team_export"),
]
