from django.urls import path

from celedger.certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/activity/<int:activity_pk>/", views.mine, name="mine"),
    path(
        "certificates/activity/<int:activity_pk>/session/<int:session_pk>/",
        views.mine,
        name="mine_session",
    ),
    path("certificates/<int:pk>/pdf/", views.download, name="download"),
    path(
        "console/<slug:code>/certificates/<int:activity_pk>/<int:learner_pk>/",
        views.staff_download,
        name="staff_download",
    ),
    path(
        "console/<slug:code>/certificates/<int:activity_pk>/<int:learner_pk>/session/"
        "<int:session_pk>/",
        views.staff_download,
        name="staff_download_session",
    ),
    path("verify/<str:code>/", views.verify, name="verify"),
]
