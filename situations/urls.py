from django.urls import path

from . import views

SITUATION = "sites/<slug:code>/situations/<str:reference>/"

urlpatterns = [
    path("sites/<slug:code>/situations/", views.situation_list, name="situation_list"),
    path("sites/<slug:code>/situations/new/", views.situation_create, name="situation_create"),
    path(SITUATION, views.situation_detail, name="situation_detail"),
    path(SITUATION + "edit/", views.situation_edit, name="situation_edit"),
    path(SITUATION + "submit/", views.situation_submit, name="situation_submit"),
    path(SITUATION + "withdraw/", views.situation_withdraw, name="situation_withdraw"),
    path(SITUATION + "accept/", views.situation_accept, name="situation_accept"),
    path(SITUATION + "reject/", views.situation_reject, name="situation_reject"),
    path(SITUATION + "agencies/", views.situation_reassign, name="situation_reassign"),
    path(SITUATION + "conclude/", views.situation_conclude, name="situation_conclude"),
    path(SITUATION + "consent/", views.situation_consent, name="situation_consent"),
    path(SITUATION + "told/", views.situation_told, name="situation_told"),
    path(SITUATION + "identity/", views.situation_identity, name="situation_identity"),
    path(SITUATION + "persons/new/", views.person_form, name="person_add"),
    path(SITUATION + "persons/<uuid:key>/", views.person_form, name="person_edit"),
    path(SITUATION + "persons/<uuid:key>/remove/", views.person_remove, name="person_remove"),
    path(SITUATION + "history/", views.situation_history, name="situation_history"),
    path(SITUATION + "responses/", views.situation_responses, name="situation_responses"),
    path(SITUATION + "contacts/<uuid:key>/", views.contact_edit, name="contact_edit"),
    path(SITUATION + "contacts/<uuid:key>/delete/", views.contact_delete, name="contact_delete"),
    path("my/situations/", views.my_situations, name="my_situations"),
]
