from django.urls import path

app_name = "publishers"

urlpatterns: list = []
