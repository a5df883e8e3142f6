from django.urls import path

from . import linked_views, store_views, views

app_name = "dossiers"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("nop/<str:code>/", views.start, name="start"),
    # The citizen's document store (kho dữ liệu): store_views.py
    path("kho-du-lieu/", store_views.stored_documents, name="store"),
    path("kho-du-lieu/<int:pk>/", store_views.stored_document, name="stored_document"),
    path("kho-du-lieu/<int:pk>/xoa/", store_views.delete_stored_document, name="delete_stored_document"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/to-khai/", views.declaration, name="declaration"),
    path("<uuid:public_id>/giay-to/", views.documents, name="documents"),
    path("<uuid:public_id>/giay-to/<int:pk>/", views.document, name="document"),
    path("<uuid:public_id>/giay-to/<int:pk>/xoa/", views.remove_document, name="remove_document"),
    path("<uuid:public_id>/giay-to/da-thay/<int:pk>/", views.replaced_document, name="replaced_document"),
    path("<uuid:public_id>/giay-to/dung-lai/", store_views.reuse_document, name="reuse_document"),
    path("<uuid:public_id>/nhan-ket-qua/", views.delivery, name="delivery"),
    path("<uuid:public_id>/kiem-tra/", views.review, name="review"),
    path("<uuid:public_id>/xoa-nhap/", views.discard, name="discard"),
    path("<uuid:public_id>/bien-nhan/", views.receipt, name="receipt"),
    path("<uuid:public_id>/bo-sung/", views.supplement, name="supplement"),
    path("<uuid:public_id>/thong-bao/<int:pk>/", views.notice, name="notice"),
    path("<uuid:public_id>/ket-qua/", views.result, name="result"),
    # Linked procedures filed once (liên thông, Decree 63/2024): linked_views.py
    path("lien-thong/nop/<slug:code>/", linked_views.start, name="linked_start"),
    path("lien-thong/<uuid:public_id>/", linked_views.detail, name="linked_detail"),
    path("lien-thong/<uuid:public_id>/to-khai/", linked_views.declaration, name="linked_declaration"),
    path("lien-thong/<uuid:public_id>/giay-to/", linked_views.documents, name="linked_documents"),
    path("lien-thong/<uuid:public_id>/giay-to/<int:pk>/xoa/", linked_views.remove_document, name="linked_remove"),
    path("lien-thong/<uuid:public_id>/giay-to/dung-lai/", linked_views.reuse_document, name="linked_reuse"),
    path("lien-thong/<uuid:public_id>/nhan-ket-qua/", linked_views.delivery, name="linked_delivery"),
    path("lien-thong/<uuid:public_id>/kiem-tra/", linked_views.review, name="linked_review"),
    path("lien-thong/<uuid:public_id>/xoa-nhap/", linked_views.discard, name="linked_discard"),
]
