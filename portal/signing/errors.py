from http import HTTPStatus

from portal.errors import ServiceUnavailable


class SigningError(ServiceUnavailable):
    """The document could not be signed: the token, the key or the timestamp authority did not answer."""

    code = "signing_failed"


class SigningNotConfigured(SigningError):
    code = "signing_not_configured"


class WrongPin(SigningError):
    code = "signing_wrong_pin"
    status = HTTPStatus.CONFLICT
