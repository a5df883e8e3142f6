import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal import json_input

from . import services
from .forms import PreferencesForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    """The citizen chooses how (email, SMS or both) and in which language they hear about their dossiers."""
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # called by the SMS provider, authenticated by the shared secret
@require_POST
def delivery_report(request):
    """Delivery report from the SMS gateway: ``{"message_id", "status", "error"}`` with ``X-Callback-Secret``."""
    secret = settings.SMS_CALLBACK_SECRET
    given = request.headers.get("X-Callback-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        data = json_input.loads(request.body)
        provider_id, status = str(data["message_id"]), str(data["status"])
        error = str(data.get("error") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": "expected JSON with message_id and status"}, status=400)
    if not services.record_delivery_report(provider_id=provider_id, status=status, error=error):
        return JsonResponse({"error": "unknown message_id"}, status=404)
    return JsonResponse({"ok": True})
