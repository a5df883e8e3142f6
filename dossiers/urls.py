from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("nop/<str:code>/", views.start, name="start"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/to-khai/", views.declaration, name="declaration"),
    path("<uuid:public_id>/giay-to/", views.documents, name="documents"),
    path("<uuid:public_id>/giay-to/<int:pk>/", views.document, name="document"),
    path("<uuid:public_id>/giay-to/<int:pk>/xoa/", views.remove_document, name="remove_document"),
    path("<uuid:public_id>/nhan-ket-qua/", views.delivery, name="delivery"),
    path("<uuid:public_id>/kiem-tra/", views.review, name="review"),
    path("<uuid:public_id>/bien-nhan/", views.receipt, name="receipt"),
    path("<uuid:public_id>/bo-sung/", views.supplement, name="supplement"),
    path("<uuid:public_id>/thong-bao/<int:pk>/", views.notice, name="notice"),
    path("<uuid:public_id>/ket-qua/", views.result, name="result"),
]
