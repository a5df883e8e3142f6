from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=True)),
    path("thu-tuc/", include("procedures.urls")),
    path("ho-so/", include("dossiers.urls")),
    path("thong-ke/", include("reports.urls")),
    path("tra-cuu/", include("tracking.urls")),
    path("xac-minh/", include("portal.signing.urls")),  # verifying a signed document
    path("tai-khoan/", include("portal.accounts.urls")),
    path("", include("notifications.urls")),  # tai-khoan/thong-bao/ and the SMS delivery-report callback
    path("", include("payments.urls")),  # paying a dossier, receipts, the gateway's return and IPN, the sandbox
    path("", include("interconnection.urls")),  # the national portal: inbound dossiers, signed file links
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("api/v1/", include("portal.api", namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# The API's error shape under /api/ whatever answers (see portal.views); 413 for a body past the limits
handler400 = views.bad_request
handler404 = views.page_not_found
handler500 = views.server_error
