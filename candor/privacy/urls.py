from django.urls import path

from candor.privacy import officer_views, views

app_name = "privacy"
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/consent/", views.set_consent, name="consent"),
    path("my-data/withdraw/", views.withdraw, name="withdraw"),
    path("my-data/export/", views.export, name="export"),
    path("my-data/erase-signals/", views.erase_signals, name="erase_signals"),
    path("my-data/requests/", views.make_request, name="make_request"),
    path("privacy/notice/", views.notice, name="notice"),
    path("privacy/", officer_views.overview, name="officer"),
    path("privacy/inventory/", officer_views.inventory_page, name="inventory"),
    path("privacy/consent-coverage/", officer_views.consent_coverage, name="coverage"),
    path("privacy/audit/", officer_views.audit_log, name="audit"),
    path("privacy/requests/", officer_views.requests_queue, name="requests"),
    path("privacy/requests/<int:pk>/", officer_views.request_detail, name="request"),
    path("privacy/retention/", officer_views.retention, name="retention"),
    path("privacy/dpia/", officer_views.dpia, name="dpia"),
    path("privacy/dpia.pdf", officer_views.dpia_pdf, name="dpia_pdf"),
    path("privacy/settings/", officer_views.org_settings, name="settings"),
]
