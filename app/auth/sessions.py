"""Browser sessions for the dashboard: a signed, expiring token that names an API key by id.

The cookie never holds the key itself: a copied cookie is worth only what is left of its
lifetime, and revoking the key ends every session made with it (the id is looked up on each
request). The token is signed with HMAC (itsdangerous), so it cannot be forged or altered, and
carries its time of issue, so that it expires without server-side state any replica would need.
"""

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "claims-dashboard-session"


def _serializer(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue(secret: bytes, key_id: int) -> str:
    return _serializer(secret).dumps({"kid": key_id})


def key_id_of(secret: bytes, token: str, max_age_seconds: int) -> int | None:
    """The key id a token names; None when it is tampered with, expired or malformed."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except BadSignature:  # SignatureExpired and BadTimeSignature are BadSignatures too
        return None
    kid = data.get("kid") if isinstance(data, dict) else None
    return kid if isinstance(kid, int) and not isinstance(kid, bool) else None
