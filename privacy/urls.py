from django.urls import path

from . import views

urlpatterns = [
    path("privacy/audit/", views.audit_trail, name="privacy_audit"),
    path("privacy/grants/", views.grants, name="privacy_grants"),
    path("privacy/retention/", views.retention, name="privacy_retention"),
]
