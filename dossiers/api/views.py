from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.models import User

from .. import processing
from ..constants import Status
from ..selectors import visible_dossiers
from ..workflow import ACTIONS, DossierChanged, InvalidTransition
from .serializers import ActionSerializer, DossierDetailSerializer, DossierSerializer

# Which inputs each action takes from the request (the rest of its arguments come from the dossier and user).
ACTION_INPUTS = {
    "accept": [],
    "refuse": ["reason"],
    "request_supplement": ["missing", "days"],
    "assign": ["handler"],
    "forward": ["handler", "note"],
    "submit_for_approval": ["leader", "note"],
    "request_payment": ["amount", "note"],
    "payment_received": ["note"],
    "approve": ["note"],
    "recall": ["reason"],
    "return_result": ["note"],
    "stop": ["reason"],
    "withdraw": ["reason"],
    "apologise": ["new_due_at", "reason"],
}


class DossierViewSet(viewsets.ReadOnlyModelViewSet):
    """Dossiers the signed-in user may see: a citizen their own, an official their agency's."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"

    def get_queryset(self):
        qs = visible_dossiers(self.request.user).exclude(status=Status.DRAFT)
        qs = qs.select_related("procedure", "agency", "handler").order_by("-submitted_at")
        if self.action == "retrieve":
            qs = qs.prefetch_related("events__actor")
        return qs

    def get_serializer_class(self):
        return DossierDetailSerializer if self.action == "retrieve" else DossierSerializer

    @extend_schema(request=ActionSerializer, responses={200: DossierDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def act(self, request, code=None, name=None):
        """Take a back-office action; 409 when it is not allowed now or someone else acted first."""
        if name not in ACTION_INPUTS:
            raise Http404
        dossier = self.get_object()
        payload = ActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        kwargs = {key: data[key] for key in ACTION_INPUTS[name] if key in data}
        for key in ("handler", "leader"):
            if key in kwargs:
                kwargs[key] = User.objects.filter(username=kwargs[key]).first()
        for key in ("reason", "missing"):
            if key in ACTION_INPUTS[name]:
                kwargs.setdefault(key, "")
        if name == "request_payment":
            kwargs.setdefault("amount", 0)
        if name == "apologise" and "new_due_at" not in kwargs:
            return Response({"detail": "new_due_at is required"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            getattr(processing, name)(
                dossier=dossier, by=request.user, expected_version=data.get("expected_version"), **kwargs
            )
        except DossierChanged as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except InvalidTransition as error:
            return Response({"detail": str(error), "action": str(ACTIONS[name].label)}, status=status.HTTP_409_CONFLICT)
        dossier.refresh_from_db()
        return Response(DossierDetailSerializer(dossier).data)
