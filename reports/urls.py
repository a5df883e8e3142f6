from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.statistics_page, name="statistics"),
    path("thong-ke.csv", views.statistics_csv, name="csv"),
    path("co-quan/", views.agency_statistics_page, name="agency"),
]
