from django.urls import path

from . import sandbox, views

app_name = "payments"

urlpatterns = [
    path("ho-so/<uuid:public_id>/thanh-toan/", views.pay, name="pay"),
    path("ho-so/<uuid:public_id>/bien-lai/<str:number>/", views.receipt, name="receipt"),
    path("thanh-toan/vnpay/ket-qua/", views.gateway_return, name="return"),
    path("thanh-toan/vnpay/ipn/", views.ipn, name="ipn"),
    # The simulated gateway (PAYMENT_SANDBOX only; 404 otherwise), at the paths VNPay uses.
    path("sandbox-gateway/paymentv2/vpcpay.html", sandbox.pay, name="sandbox_pay"),
    path("sandbox-gateway/merchant_webapi/api/transaction", sandbox.api, name="sandbox_api"),
]
