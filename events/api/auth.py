"""The token exchange."""

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer


@extend_schema(
    summary="Get an API token",
    description="Exchange a username and password (JSON) for the user's API token. Send it as "
    "`Authorization: Token <key>`. Administrators can also issue one with `manage.py drf_create_token <username>`.",
)
class TokenView(ObtainAuthToken):
    """Exchange a username and password (JSON) for an API token."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    permission_classes = [AllowAny]
