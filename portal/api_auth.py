"""API tokens: a client signs in with username (or email) and password once and sends ``Authorization: Token …``.

Tokens are django-rest-knox tokens: only a hash is stored, each expires ``API_TOKEN_HOURS`` after its last use,
a user holds at most ten, and each can be revoked. Each call reads only the token it presents, with its user
(``portal.api_tokens``). Sign-in goes through ``authenticate()`` with the request, so
django-axes locks out repeated failures exactly as on the web sign-in page; the endpoint is also throttled.
"""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .accounts.models import User
from .api_tokens import TokenAuthentication, delete_expired_tokens


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or email address")
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send as "Authorization: Token <token>"; shown once, never stored')
    expiry = serializers.DateTimeField(help_text="Moves forward with each use")


class MeSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "kind", "agency", "role"]


class ObtainTokenView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "api_token"

    def get_authenticate_header(self, request) -> str:
        return "Token"  # a wrong password is a 401 that names the scheme the token is then used with

    def get_throttles(self):
        from rest_framework.throttling import ScopedRateThrottle

        return [ScopedRateThrottle()]

    @extend_schema(
        summary="Get a token with username (or email) and password",
        request=CredentialsSerializer,
        responses={201: TokenSerializer},
        auth=[],
    )
    def post(self, request):
        payload = CredentialsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=payload.validated_data["username"], password=payload.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("The username or password is not correct."))
        if not settings.LOCAL_CITIZEN_ACCOUNTS and not (user.is_official or user.is_superuser):
            from portal.accounts.forms import CITIZENS_SIGN_IN_WITH_PROVIDER

            raise exceptions.PermissionDenied(CITIZENS_SIGN_IN_WITH_PROVIDER)
        delete_expired_tokens(user)
        live = get_token_model().objects.filter(user=user).count()
        if knox_settings.TOKEN_LIMIT_PER_USER is not None and live >= knox_settings.TOKEN_LIMIT_PER_USER:
            raise exceptions.PermissionDenied(_("You have too many active tokens: revoke one first."))
        instance, token = get_token_model().objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(
            TokenSerializer({"token": token, "expiry": instance.expiry}).data, status=status.HTTP_201_CREATED
        )


class RevokeTokenView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke the token this request is sent with", request=None, responses={204: None})
    def post(self, request):
        request._auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeAllTokensView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke every token of the signed-in user", request=None, responses={204: None})
    def post(self, request):
        request.user.auth_token_set.all().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Who the token or session belongs to", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)
