from django.urls import path

app_name = "credits"

urlpatterns: list = []
