from django.urls import path

from celedger.reporting import views

app_name = "reporting"

urlpatterns = [
    path("console/<slug:code>/exports/", views.exports, name="exports"),
    path("console/<slug:code>/exports/<int:pk>/download/", views.download, name="download"),
]
