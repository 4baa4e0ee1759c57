from django.urls import path

from focus.urls import urlpatterns as product

from . import floors

FLOOR = "bench-floor/"
urlpatterns = [
    path(FLOOR + "sites/<slug:code>/meetings/<str:key>/", floors.meeting, name="floor_meeting"),
    path(
        FLOOR + "sites/<slug:code>/meetings/<str:key>/agenda/",
        floors.meeting_poll,
        name="floor_meeting_poll",
    ),
    path(FLOOR + "sites/<slug:code>/situations/", floors.situation_list, name="floor_list"),
    path(
        FLOOR + "sites/<slug:code>/situations/<str:reference>/",
        floors.situation_detail,
        name="floor_detail",
    ),
    path(FLOOR + "my/situations/", floors.my_situations, name="floor_mine"),
    path(FLOOR + "dashboard/", floors.dashboard, name="floor_dashboard"),
    *product,
]
