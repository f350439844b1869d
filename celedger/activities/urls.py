from django.urls import path

from celedger.activities import views

app_name = "activities"

console = "console/<slug:code>/activities/"

urlpatterns = [
    # The learner's first (config/urls.py).
    path("e/", views.lookup, name="lookup"),
    path("e/<str:event_id>/", views.program, name="program"),
    path("e/<str:event_id>/start/", views.program_start, name="program_start"),
    path("e/<str:event_id>/here/", views.check_in, name="check_in"),
    path("p/<slug:code>/", views.portal, name="portal"),
    path(f"{console}new/", views.activity_create, name="console_create"),
    path(f"{console}<int:pk>/", views.activity_detail, name="console_detail"),
    path(f"{console}<int:pk>/edit/", views.activity_edit, name="console_edit"),
    path(
        f"{console}<int:pk>/conference-qr.svg",
        views.conference_qr,
        {"kind": "svg"},
        name="conference_qr_svg",
    ),
    path(
        f"{console}<int:pk>/conference-qr.png",
        views.conference_qr,
        {"kind": "png"},
        name="conference_qr_png",
    ),
    path(f"{console}<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path(f"{console}<int:pk>/sessions/weekly/", views.sessions_weekly, name="sessions_weekly"),
    path(
        f"{console}<int:pk>/sessions/<int:session_pk>/edit/",
        views.session_edit,
        name="session_edit",
    ),
    path(
        f"{console}<int:pk>/sessions/<int:session_pk>/delete/",
        views.session_delete_view,
        name="session_delete",
    ),
    path(
        f"{console}<int:pk>/sessions/<int:session_pk>/qr.svg",
        views.session_qr,
        {"kind": "svg"},
        name="session_qr_svg",
    ),
    path(
        f"{console}<int:pk>/sessions/<int:session_pk>/qr.png",
        views.session_qr,
        {"kind": "png"},
        name="session_qr_png",
    ),
    path(
        f"{console}<int:pk>/sessions/<int:session_pk>/poster.pdf",
        views.session_poster,
        name="session_poster",
    ),
]
