"""The look-up (public: captcha or partner key, throttled) and rating (the applicant, signed in) endpoints."""

from captcha.helpers import captcha_audio_url, captcha_image_url
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dossiers.codes import is_dossier_code, normalise_code
from dossiers.models import Dossier
from portal.captchas import CaptchaField

from .. import services
from ..forms import malformed_code_message
from ..selectors import find_dossier, is_owner, lookup_result, rating_of
from .auth import HEADER, partner_key
from .serializers import CaptchaSerializer, LookupRequestSerializer, LookupResultSerializer, RatingSerializer
from .throttling import LookupThrottle


class CaptchaInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "captcha_invalid"


class ApiKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "api_key_invalid"


class RatingConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "rating_not_allowed"


LOOKUP_ERRORS = {
    400: OpenApiResponse(description="Malformed code (`invalid`) or wrong or missing captcha (`captcha_invalid`)"),
    403: OpenApiResponse(description="X-API-Key sent but not a partner key (`api_key_invalid`)"),
    404: OpenApiResponse(description="No dossier with this code (`not_found`)"),
    429: OpenApiResponse(description="Too many look-ups from this address or key (`throttled`)"),
}
API_KEY_PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False, description="Partner key: no captcha needed"
)


class LookupViewSet(viewsets.ViewSet):
    """Follow a dossier by its code, as the public look-up page does: personal data masked unless the applicant's
    citizen ID number is given (or the applicant is signed in). Needs a captcha, or a partner's ``X-API-Key``."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [LookupThrottle]

    def _check_gate(self, request, data) -> None:
        if request.headers.get(HEADER):
            if not partner_key(request):
                raise ApiKeyInvalid(_("This API key is not valid."))
            return
        key, value = data.get("captcha_key", ""), data.get("captcha_value", "")
        if not key or not value:
            raise CaptchaInvalid(_("Send captcha_key and captcha_value (get a captcha from /api/v1/lookup/captcha/)."))
        try:
            CaptchaField().clean([key, value])  # the same check as the page: one use, within CAPTCHA_TIMEOUT
        except DjangoValidationError:
            raise CaptchaInvalid(_("The characters do not match the picture. Get a new captcha.")) from None

    def _lookup(self, request, raw) -> Response:
        payload = LookupRequestSerializer(data=raw)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        code = normalise_code(data["code"])
        if not is_dossier_code(code):
            raise exceptions.ValidationError({"code": [malformed_code_message()]})
        self._check_gate(request, data)
        dossier = find_dossier(code)
        if dossier is None:
            raise exceptions.NotFound(_("We found no dossier with this code."))
        id_number = "".join(data.get("id_number", "").split())
        result = lookup_result(dossier, user=request.user, id_number=id_number)
        response = Response(LookupResultSerializer(result).data)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("code", str, required=True, description="Dossier code"),
            OpenApiParameter("id_number", str, description="Applicant's citizen ID number: full details"),
            OpenApiParameter("captcha_key", str),
            OpenApiParameter("captcha_value", str),
            API_KEY_PARAMETER,
        ],
        responses={200: LookupResultSerializer, **LOOKUP_ERRORS},
    )
    def list(self, request):
        """Look a dossier up with query parameters (convenient for partners with an API key)."""
        return self._lookup(request, request.query_params)

    @extend_schema(
        request=LookupRequestSerializer,
        parameters=[API_KEY_PARAMETER],
        responses={200: LookupResultSerializer, **LOOKUP_ERRORS},
    )
    def create(self, request):
        """Look a dossier up (the ID number stays out of URLs and logs when sent this way)."""
        return self._lookup(request, request.data)

    @extend_schema(responses={200: CaptchaSerializer, 429: LOOKUP_ERRORS[429]})
    @action(detail=False, methods=["get"])
    def captcha(self, request):
        """A new captcha: show ``image_url`` (or play ``audio_url``), send the answer with ``key``."""
        key = CaptchaStore.pick()
        audio = captcha_audio_url(key) if settings.CAPTCHA_FLITE_PATH else None
        body = {
            "key": key,
            "image_url": request.build_absolute_uri(captcha_image_url(key)),
            "audio_url": request.build_absolute_uri(audio) if audio else None,
        }
        response = Response(CaptchaSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class RatingViewSet(viewsets.GenericViewSet):
    """The applicant's satisfaction rating of a dossier whose result has been returned (one per dossier)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RatingSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"

    def _own_dossier(self, code: str) -> Dossier:
        dossier = find_dossier(normalise_code(code))
        if dossier is None or not is_owner(dossier, self.request.user):
            raise exceptions.NotFound(_("You have no dossier with this code."))
        return dossier

    @extend_schema(
        responses={
            201: RatingSerializer,
            400: OpenApiResponse(description="Scores missing or out of 1–5 (`invalid`)"),
            404: OpenApiResponse(description="Not a dossier of the signed-in user (`not_found`)"),
            409: OpenApiResponse(description="Not returned yet, or already rated (`rating_not_allowed`)"),
        }
    )
    def create(self, request):
        """Rate a dossier of the signed-in applicant once its result has been handed over."""
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        dossier = self._own_dossier(data["dossier"]["code"])
        try:
            rating = services.rate_dossier(
                dossier=dossier,
                user=request.user,
                score=data["score"],
                on_time=data["on_time"],
                attitude=data["attitude"],
                clarity=data["clarity"],
                comment=data.get("comment", ""),
            )
        except services.RatingNotAllowed:
            raise exceptions.NotFound(_("You have no dossier with this code.")) from None
        except services.RatingError as error:
            raise RatingConflict(str(error)) from None
        return Response(self.get_serializer(rating).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RatingSerializer, 404: OpenApiResponse(description="No rating (`not_found`)")})
    def retrieve(self, request, code=None):
        """The rating the signed-in applicant gave a dossier."""
        dossier = self._own_dossier(code)
        rating = rating_of(dossier)
        if rating is None:
            raise exceptions.NotFound(_("This dossier has not been rated."))
        return Response(self.get_serializer(rating).data)
