from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<uuid:public_id>/danh-gia/", views.rate, name="rate"),
]
