from django.urls import path

from celedger.baselines import views

app_name = "baselines"

urlpatterns = [
    path("bench/hello", views.hello, name="hello"),
    path("bench/insert", views.insert, name="insert"),
    path("bench/select", views.select, name="select"),
]
