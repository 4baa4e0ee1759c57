from django.urls import path

from . import views

urlpatterns = [
    path("barriers/", views.register, name="barrier_register"),
    path("barriers/new/", views.barrier_raise, name="barrier_raise"),
    path("barriers/report/", views.quarterly_report, name="barrier_report"),
    path("barriers/<str:reference>/", views.barrier_detail, name="barrier_detail"),
    path(
        "sites/<slug:code>/situations/<str:reference>/barriers/",
        views.situation_barriers,
        name="situation_barriers",
    ),
]
