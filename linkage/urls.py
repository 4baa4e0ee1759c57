from django.urls import path

from . import views

urlpatterns = [
    path(
        "sites/<slug:code>/situations/<str:reference>/repeats/",
        views.repeat_decide,
        name="repeat_decide",
    ),
]
