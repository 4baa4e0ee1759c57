from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/aggregates.csv", views.aggregate_csv, name="aggregate_csv"),
    path("sites/<slug:code>/export.csv", views.rtd_csv, name="rtd_csv"),
    path("sites/<slug:code>/export.xlsx", views.rtd_xlsx, name="rtd_xlsx"),
]
