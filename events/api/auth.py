"""API tokens (django-rest-knox): exchanged for a username and password, stored hashed, expiring, revoked by
their owner. Password guessing is locked out by django-axes (apikit.security)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class AuthTokenSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When the token stops working.")

    def validate(self, attrs):
        request = self.context["request"]
        # Django's request: django-axes counts the failure and marks a lockout on it
        user = authenticate(request._request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError("Unable to log in with provided credentials.", code="authorization")
        attrs["user"] = user
        return attrs


class JSONView(APIView):
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]


@extend_schema(
    summary="Get an API token",
    description="Exchange a username and password (JSON) for a new API token, valid until `expiry`. Send it as "
    "`Authorization: Token <key>`. Only a digest of it is stored: keep it, it cannot be shown again. "
    "Administrators can also issue one with `manage.py create_token <username>`. After too many failed "
    "attempts for one username from one address, that pair is locked out for a while (429, Retry-After).",
    request=AuthTokenSerializer,
    responses={200: AuthTokenSerializer},
)
class TokenView(JSONView):
    """Exchange a username and password (JSON) for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer

    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        instance, token = AuthToken.objects.create(serializer.validated_data["user"], knox_settings.TOKEN_TTL)
        return Response(AuthTokenSerializer({"token": token, "expiry": instance.expiry}).data)


class RevokeView(JSONView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


@extend_schema(
    summary="Revoke this API token",
    description="The token sent in `Authorization` stops working at once.",
    request=None,
    responses={204: OpenApiResponse(description="Revoked.")},
)
class RevokeTokenView(RevokeView):
    def post(self, request):
        request.auth.delete()
        return Response(status=204)


@extend_schema(
    summary="Revoke all my API tokens",
    description="Every token of the user whose token is sent in `Authorization` stops working at once.",
    request=None,
    responses={204: OpenApiResponse(description="Revoked.")},
)
class RevokeAllTokensView(RevokeView):
    def post(self, request):
        request.user.auth_token_set.all().delete()
        return Response(status=204)
