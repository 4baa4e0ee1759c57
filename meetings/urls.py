from django.urls import path

from . import views

MEETING = "sites/<slug:code>/meetings/<str:key>/"
ITEM = MEETING + "items/<str:reference>/"

urlpatterns = [
    path("sites/<slug:code>/meetings/", views.meeting_list, name="meeting_list"),
    path("sites/<slug:code>/meetings.ics", views.meetings_ics, name="meetings_ics"),
    path(MEETING, views.meeting_detail, name="meeting_detail"),
    path(MEETING + "agenda/", views.meeting_agenda, name="meeting_agenda"),
    path(MEETING + "live/", views.meeting_live, name="meeting_live"),
    path(MEETING + "start/", views.meeting_start, name="meeting_start"),
    path(MEETING + "close/", views.meeting_close, name="meeting_close"),
    path(MEETING + "sync/", views.meeting_sync, name="meeting_sync"),
    path(MEETING + "attendance/", views.meeting_attendance, name="meeting_attendance"),
    path(MEETING + "minutes/", views.meeting_minutes, name="meeting_minutes"),
    path(MEETING + "minutes/agency/", views.agency_minutes, name="agency_minutes"),
    path(ITEM + "move/", views.item_move, name="item_move"),
    path(ITEM + "defer/", views.item_defer, name="item_defer"),
    path(ITEM + "current/", views.item_current, name="item_current"),
    path(ITEM + "decide/", views.item_decide, name="item_decide"),
]
