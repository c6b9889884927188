from django.urls import path

from candor.learning import (
    admin_departments,
    admin_people,
    admin_rules,
    compliance,
    manager_export,
    manager_views,
    ops_views,
    views,
)

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
    # Mandatory-training operations (issue 8)
    path("certificates/", ops_views.certificates, name="certificates"),
    path(
        "certificates/<int:cert_id>/pdf/",
        ops_views.certificate_download,
        name="certificate_pdf",
    ),
    path("messages/", ops_views.sent_messages, name="messages"),
    path("verify/", ops_views.verify, name="verify_form"),
    path("verify/<str:code>/", ops_views.verify, name="verify"),
    path("compliance/", compliance.compliance_page, name="compliance"),
    path("compliance/export.csv", compliance.compliance_export, name="compliance_export"),
    path("admin/", admin_rules.home, name="admin"),
    path("admin/rules/", admin_rules.rule_list, name="admin_rules"),
    path("admin/rules/new/", admin_rules.rule_new, name="admin_rule_new"),
    path("admin/rules/<int:rule_id>/", admin_rules.rule_edit, name="admin_rule"),
    path("admin/people/", admin_people.people_list, name="admin_people"),
    path("admin/people/new/", admin_people.person_new, name="admin_person_new"),
    path("admin/people/<int:person_id>/", admin_people.person_edit, name="admin_person"),
    path("admin/people/import/", admin_people.org_import, name="admin_import"),
    path("admin/departments/", admin_departments.department_list, name="admin_departments"),
    path(
        "admin/departments/new/",
        admin_departments.department_new,
        name="admin_department_new",
    ),
    path(
        "admin/departments/<int:dept_id>/",
        admin_departments.department_edit,
        name="admin_department",
    ),
    path(
        "admin/departments/<int:dept_id>/delete/",
        admin_departments.department_delete,
        name="admin_department_delete",
    ),
]
