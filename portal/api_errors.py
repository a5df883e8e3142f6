"""Errors of the JSON API: one shape for every failure, a stable machine code and a message in the caller's language.

    {"code": "not_found", "message": "Không tìm thấy.", "fields": {}}

``code`` never changes with the language and is what clients branch on; ``message`` is translated for the
``Accept-Language`` of the request; ``fields`` maps each invalid input to its messages (validation errors only).
The domain errors of the services map here too, so API views simply let them propagate.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class DomainAPIError(exceptions.APIException):
    """A ``portal.errors.DomainError`` as the API answers it: its status, its code, its message."""

    def __init__(self, error: DomainError) -> None:
        self.status_code = int(error.status)
        super().__init__(error.message, code=error.code)


def _domain_error(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, DomainError):
        return DomainAPIError(exc)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError({key: list(value) for key, value in exc.message_dict.items()})
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        # Django's text names the model's class in English ("No Dossier matches the given query.")
        return exceptions.NotFound()
    return None


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code if not isinstance(exc, exceptions.ValidationError) else "invalid"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The one shape of every API error (see the module's note)."""
    return {"code": code, "message": message, "fields": fields or {}}


def api_error(request, code: str, message: str, status: int) -> JsonResponse | None:
    """The API's error shape for a request to an address under ``/api/`` that no API view answered (a middleware's
    refusal, Django's 400, 404 and 500); ``None`` for any other address, which gets a page."""
    if not request.path_info.startswith("/api/"):
        return None
    return JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})


def exception_handler(exc, context):
    exc = _domain_error(exc) or exc
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged, mailed to admins)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: _flatten(value) for key, value in detail.items()}
        body = error_body("invalid", _("Some of the values sent are not valid."), fields)
    elif isinstance(exc, exceptions.APIException):
        messages = _flatten(exc.detail)
        body = error_body(_code(exc), " ".join(messages))
    else:  # Http404 and PermissionDenied, converted by DRF
        body = error_body("error", " ".join(_flatten(response.data)))
    if response.status_code == status.HTTP_404_NOT_FOUND:
        body["code"] = "not_found"
    elif response.status_code == status.HTTP_403_FORBIDDEN and body["code"] == "error":
        body["code"] = "permission_denied"
    return Response(body, status=response.status_code, headers=_headers(response), exception=True)


def _headers(response: Response) -> dict:
    return {key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After", "Allow")}


# --- The shape in the OpenAPI schema ------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every failure of the API: `code` is stable (branch on it), `message` is in the caller's language.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "Một số giá trị gửi lên không hợp lệ."},
        "fields": {
            "type": "object",
            "description": "For `invalid`: each input that was refused, with its messages",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}
# What any operation may answer besides what it documents itself; those with a body may also refuse the body.
ANY_OPERATION = {
    "400": "A value that is not valid (`invalid`, with `fields`) or an address the portal does not accept",
    "401": "Not signed in (`not_authenticated`) or a token that is not valid (`authentication_failed`)",
    "403": "Not allowed for this account (`permission_denied`)",
    "404": "No such object, page or address (`not_found`)",
    "406": "No answer in the type the Accept header asks for (`not_acceptable`)",
    "409": "The dossier changed meanwhile, or the action does not apply to it now (`conflict` and others)",
    "429": "Too many requests or failed sign-ins (`throttled`, `locked_out`); see Retry-After",
    "500": "An unexpected fault (`server_error`), logged for the administrators",
    "503": "A service the portal needs is unavailable for a moment (`service_unavailable` and others)",
}
WITH_A_BODY = {
    "400": "A value that is not valid (`invalid`, with `fields`) or a body that cannot be read (`parse_error`)",
    "413": "A body past the limits (`too_large`)",
    "415": "A body of a type the operation does not read (`unsupported_media_type`)",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: the error shape as a component, and the failures every operation may
    answer with it, where the operation does not describe them itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    shape = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            failures = {**ANY_OPERATION, **(WITH_A_BODY if "requestBody" in operation else {})}
            for status_code, description in failures.items():
                responses.setdefault(status_code, {"description": description, "content": shape})
    return result
