from django.urls import path

from . import views

MEETING = "sites/<slug:code>/meetings/<str:key>/"
ITEM = MEETING + "items/<str:reference>/"

urlpatterns = [
    path("sites/<slug:code>/meetings/", views.meeting_list, name="meeting_list"),
    path("sites/<slug:code>/meetings/new/", views.meeting_add, name="meeting_add"),
    path(MEETING, views.meeting_detail, name="meeting_detail"),
    path(MEETING + "agenda/", views.meeting_agenda, name="meeting_agenda"),
    path(MEETING + "live/", views.meeting_live, name="meeting_live"),
    path(MEETING + "start/", views.meeting_start, name="meeting_start"),
    path(MEETING + "close/", views.meeting_close, name="meeting_close"),
    path(MEETING + "reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path(MEETING + "cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(MEETING + "sync/", views.meeting_sync, name="meeting_sync"),
    path(MEETING + "pull-in/", views.meeting_pull_in, name="meeting_pull_in"),
    path(MEETING + "attendance/", views.meeting_attendance, name="meeting_attendance"),
    path(MEETING + "actions/", views.action_add, name="action_add"),
    path(MEETING + "minutes/", views.meeting_minutes, name="meeting_minutes"),
    path(MEETING + "minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path(MEETING + "minutes/addenda/", views.minutes_addendum, name="minutes_addendum"),
    path(MEETING + "minutes/agency/", views.agency_minutes, name="agency_minutes"),
    path(ITEM + "move/", views.item_move, name="item_move"),
    path(ITEM + "defer/", views.item_defer, name="item_defer"),
    path(ITEM + "current/", views.item_current, name="item_current"),
    path(ITEM + "decide/", views.item_decide, name="item_decide"),
    path(ITEM + "notes/", views.item_notes, name="item_notes"),
    path("actions/<uuid:key>/", views.action_close, name="action_close"),
    path("my/calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
