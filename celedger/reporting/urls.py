from django.urls import path

from celedger.reporting import views

app_name = "reporting"

urlpatterns = [
    path("console/<slug:code>/exports/", views.exports, name="exports"),
    path("console/<slug:code>/exports/<int:pk>/download/", views.download, name="download"),
    path("console/<slug:code>/reporting/", views.dashboard, name="dashboard"),
    path(
        "console/<slug:code>/reporting/records/<int:pk>/mark/",
        views.record_mark,
        name="record_mark",
    ),
    path(
        "console/<slug:code>/reporting/responses/", views.response_upload, name="response_upload"
    ),
    path(
        "console/<slug:code>/reporting/activities/<int:pk>/",
        views.activity_reporting,
        name="activity_reporting",
    ),
    path("console/<slug:code>/reporting/send/", views.send, name="send"),
    path("reporting/mine/", views.mine, name="mine"),
]
