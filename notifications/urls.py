from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("tai-khoan/thong-bao/", views.preferences, name="preferences"),
    path("thong-bao/bao-cao-gui/", views.delivery_report, name="delivery_report"),
]
