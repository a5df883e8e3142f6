from django.urls import path

from . import identity_views, views

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", identity_views.logout, name="logout"),
    path("dinh-danh/dang-nhap/", identity_views.start, name="identity_start"),
    path("dinh-danh/ve/", identity_views.callback, name="identity_callback"),
    path("dang-ky/", views.register, name="register"),
    path("xac-minh/", views.verify_email_sent, name="verify_email_sent"),
    path("xac-minh/gui-lai/", views.verify_email_resend, name="verify_email_resend"),
    path("xac-minh/<str:token>/", views.verify_email, name="verify_email"),
    path("quen-mat-khau/", views.password_reset, name="password_reset"),
    path("quen-mat-khau/da-gui/", views.password_reset_done, name="password_reset_done"),
    path("quen-mat-khau/hoan-tat/", views.password_reset_complete, name="password_reset_complete"),
    path("quen-mat-khau/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
]
