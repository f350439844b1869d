from django.urls import path

from celedger.rollout import views

app_name = "rollout"

urlpatterns = [
    path("console/<slug:code>/walk-ins/", views.walk_in, name="walk_in"),
    path("console/<slug:code>/imports/", views.imports, name="imports"),
    path("console/<slug:code>/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("console/<slug:code>/reminders/", views.reminder_settings, name="reminder_settings"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("awards/<str:token>/", views.award_accept, name="award_accept"),
    path("account/reminders/", views.reminder_preferences, name="reminder_preferences"),
    path("reminders/stop/<str:token>/", views.opt_out, name="opt_out"),
    path("site-tools/merge/", views.merge, name="merge"),
]
