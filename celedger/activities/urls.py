from django.urls import path

app_name = "activities"

urlpatterns: list = []
