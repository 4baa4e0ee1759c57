from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sites/<slug:code>/", views.site_detail, name="site_detail"),
    path("people/", views.people_list, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<str:username>/", views.person_edit, name="people_edit"),
    path("people/<str:username>/invite/", views.person_invite, name="person_invite"),
    path("people/<str:username>/reset-mfa/", views.person_reset_mfa, name="person_reset_mfa"),
]
