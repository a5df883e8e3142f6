from django.urls import path

from . import views

app_name = "interconnection"

urlpatterns = [
    path("lien-thong/dvcqg/ho-so", views.receive_dossier, name="inbound"),
    path("lien-thong/dvcqg/tep/<str:token>", views.signed_file, name="file"),
]
