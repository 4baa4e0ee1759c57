from django.urls import path

from . import views

urlpatterns = [
    path("privacy/audit/", views.audit_trail, name="privacy_audit"),
    path("privacy/grants/", views.grants, name="privacy_grants"),
    path("privacy/retention/", views.retention, name="privacy_retention"),
    path("privacy/access-requests/", views.access_request, name="privacy_access_request"),
    path(
        "privacy/access-requests/pdf/", views.access_request_pdf, name="privacy_access_request_pdf"
    ),
    path(
        "privacy/access-requests/correction/",
        views.access_correction,
        name="privacy_access_correction",
    ),
]
