"""OpenAPI documentation: a summary and description on every operation, the CSV form of lists, the
conditional-request headers, and every error response with its JSON shape."""

import json
import re

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny, DjangoModelPermissionsOrAnonReadOnly

ERRORS = {
    "400": "Invalid input: a malformed or unknown parameter value, an unknown, empty or repeated query parameter, or "
    "a field that breaks a rule. `attr` names the parameter or field (nested fields with dots: `parties.1.country`).",
    "401": "Authentication is required to write (session or `Authorization: Token <key>`).",
    "403": "You lack the Django model permission for this action.",
    "404": "No such record, or a page past the end.",
    "409": "Conflicts with the data: a delete blocked by records that refer to it, or a uniqueness rule.",
    "412": "If-Match names an ETag the record no longer has: it changed since you read it.",
    "415": "The body is not JSON (only application/json is accepted).",
    "429": "Too many requests: wait for the number of seconds in the Retry-After header.",
}
READ_ERRORS = ("400", "404", "429")
ERROR_TYPES = ["validation_error", "client_error", "server_error"]
WRITE_ERRORS = ("400", "401", "403", "409", "415", "429")


class ErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable code, e.g. invalid, required, unknown_parameter.")
    detail = serializers.CharField(help_text="What is wrong, in words.")
    attr = serializers.CharField(allow_null=True, help_text="The parameter or field at fault, if one.")


class ErrorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ERROR_TYPES, help_text="validation_error for bad input, else client_error.")
    errors = ErrorItemSerializer(many=True)


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier response: answered 304 Not Modified while the data is unchanged.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you read: the write is refused with 412 if the record changed since.",
)


class AutoSchema(openapi.AutoSchema):
    def get_auth(self):
        # Reads (and the token exchange) are public: declare no security requirement, so that generated clients
        # call them with or without credentials (openapi-python-client demands credentials for any listed).
        auths = super().get_auth()
        permissions_ = [p.__class__ for p in self.view.get_permissions()]
        public_read = DjangoModelPermissionsOrAnonReadOnly in permissions_ and self.method in SAFE_METHODS
        if public_read or AllowAny in permissions_:
            return []
        return auths

    def _get_format_parameters(self):
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = "`csv` for every matching row as CSV (same as `Accept: text/csv`); default JSON."
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = READ_ERRORS if method == "GET" else WRITE_ERRORS
        if method != "POST" and "{" in self.path:
            codes = (*codes, "404")
        if method in ("PUT", "PATCH", "DELETE"):
            codes = (*codes, "412")
        for code in sorted(set(codes)):
            if code == "415" and method == "DELETE":
                continue
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                response["description"] = ERRORS[code]
                responses[code] = response
        if method == "GET" and "304" not in responses and getattr(self.view, "action", None) != "relations":
            responses["304"] = {"description": "Not modified: the ETag in If-None-Match is still current."}
        return responses


def document(plural: str, singular: str, description: str, *, writable: bool = False, detail: bool = True):
    """Summaries and descriptions for a resource's operations (a class decorator for its ViewSet)."""

    def decorate(viewset):
        serializer = viewset.serializer_class
        article = "an" if singular[0] in "aeiou" else "a"
        views = {
            "list": extend_schema(
                summary=f"List {plural}",
                description=f"{description}\n\nPaginated JSON, or every matching row as CSV with `?format=csv` or "
                "`Accept: text/csv` (not paginated, streamed; lists joined with `;`; cells that a spreadsheet "
                "would run as a formula are prefixed with `'`).",
                parameters=[IF_NONE_MATCH],
                responses={
                    (200, "application/json"): serializer(many=True),
                    (200, "text/csv"): OpenApiTypes.STR,
                },
            ),
        }
        if detail:
            views["retrieve"] = extend_schema(
                summary=f"Get {article} {singular}",
                description=f"One {singular}, with an ETag for conditional requests.",
                parameters=[IF_NONE_MATCH],
            )
        if writable:
            views.update(
                create=extend_schema(
                    summary=f"Create {article} {singular}",
                    description=f"Needs the add permission on {plural}. Nested parts are written with it.",
                ),
                update=extend_schema(
                    summary=f"Replace {article} {singular}",
                    description="Needs the change permission. Nested lists given replace the current ones.",
                    parameters=[IF_MATCH],
                ),
                partial_update=extend_schema(
                    summary=f"Update {article} {singular}",
                    description="Needs the change permission. Only the fields given change.",
                    parameters=[IF_MATCH],
                ),
                destroy=extend_schema(
                    summary=f"Delete {article} {singular}",
                    description="Needs the delete permission. 409 if other records refer to it.",
                    parameters=[IF_MATCH],
                ),
            )
        return extend_schema_view(**views)(viewset)

    return decorate


def require_response_fields(result, generator, request, public):
    """Postprocessing hook: in response components every field is required, since every response carries all
    of them (null where unknown). Request components keep their own rules. Generated clients then type
    ``agreement.parties`` as always there. A component lists the exceptions in ``x-optional`` (a cursor page's
    ``watermark``), which is removed."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        optional = set(schema.pop("x-optional", ()))
        if not name.endswith("Request") and schema.get("type") == "object" and schema.get("properties"):
            schema["required"] = sorted(set(schema["properties"]) - optional)
    return result


def drop_unused_components(result, generator, request, public):
    """Postprocessing hook: remove component schemas that no operation refers to (spectacular registers the
    request form of some read-only nested serializers)."""
    schemas = result.get("components", {}).get("schemas", {})
    referenced: set[str] = set()
    pending = [result["paths"]]
    while pending:
        text = json.dumps(pending.pop(), default=str)
        for name in re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text):
            if name not in referenced and name in schemas:
                referenced.add(name)
                pending.append(schemas[name])
    for name in set(schemas) - referenced:
        del schemas[name]
    return result


OPEN_ENUM_NOTE = (
    "An open list: the values above are those known today; a client must accept any other string here (new "
    "values are added without a new API version)."
)


def open_response_enums(result, generator, request, public):
    """Postprocessing hook: enums in responses become open (a string, its known values listed in the description
    and in ``x-extensible-enum``), so that a client generated from the schema keeps parsing responses that carry
    a value it has never seen. Request bodies and query parameters keep their closed enums: they validate."""
    schemas = result.get("components", {}).get("schemas", {})
    enums = {name: schema for name, schema in schemas.items() if "enum" in schema}

    def enum_of(ref_holder: dict) -> str | None:
        name = ref_holder.get("$ref", "").rpartition("/")[2]
        return name if name in enums else None

    def opened(prop: dict) -> dict | None:
        refs = [prop, *prop.get("allOf", []), *prop.get("oneOf", [])]
        names = [name for name in map(enum_of, refs) if name]
        values = [v for name in names for v in enums[name]["enum"] if v not in (None, "")]
        if not values:
            return None
        nullable = prop.get("nullable") or "NullEnum" in names
        new = {k: v for k, v in prop.items() if k not in ("allOf", "oneOf", "$ref", "nullable")}
        new["type"] = "string"
        if nullable:
            new["nullable"] = True
        new["x-extensible-enum"] = values
        description = new.get("description") or enums[names[0]].get("description", "")
        new["description"] = f"{description}\n\n{OPEN_ENUM_NOTE}".strip()
        return new

    def walk(schema: dict) -> None:
        for key, prop in list(schema.get("properties", {}).items()):
            replacement = opened(prop)
            if replacement is not None:
                schema["properties"][key] = replacement
            else:
                walk(prop)
        items = schema.get("items")
        if isinstance(items, dict):
            replacement = opened(items)
            if replacement is not None:
                schema["items"] = replacement
            else:
                walk(items)

    for name, schema in schemas.items():
        if name in enums or name.endswith("Request"):
            continue
        walk(schema)
    return result


class TokenScheme(OpenApiAuthenticationExtension):
    """API tokens (django-rest-knox) keep the security scheme's name and shape from DRF's tokens, so that clients
    generated before the change stay valid."""

    target_class = "knox.auth.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
