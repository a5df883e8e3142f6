from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/mau-don/<int:pk>/", views.download_template, name="template"),
]
