"""Tables of the public web pages: the per-address rate-limit counters, the used CSRF tokens."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class WebRateLimit(SQLModel, table=True):
    """Hits of one client (a keyed hash of its address and the action) in one fixed window.

    Kept in the database, not in process memory, so that every API replica counts the same
    hits; rows of past windows are deleted as new hits arrive.
    """

    __tablename__ = "web_rate_limits"

    client_key: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime, index=True)
    hits: int = Field(default=0)


class WebCsrfUse(SQLModel, table=True):
    """A claim form's CSRF token that has registered a claim, and may not register another.

    In the database so that every replica refuses it; a row goes once the token has expired
    (nothing would accept it then anyway).
    """

    __tablename__ = "web_csrf_uses"

    nonce: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
