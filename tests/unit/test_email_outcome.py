"""Which gateway answers end an email for good, and which id it gave (issue 18)."""

import pytest

from app.config import Settings, normalise_database_url
from app.events.delivery import AttemptResult, gateway_id, refused_for_good


@pytest.mark.parametrize(
    ("status", "final"),
    [(400, True), (413, True), (422, True), (451, True)]
    + [(code, False) for code in (401, 403, 404, 408, 429, 500, 502, 503, None)],
)
def test_only_a_refusal_of_the_message_itself_is_final(status, final) -> None:
    result = AttemptResult(False, status, f"HTTP {status}", 1)
    assert refused_for_good(result) is final


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"id": "<20261128.1@mg.example>", "message": "Queued"}', "<20261128.1@mg.example>"),
        ('{"message_id": 42}', "42"),
        ('{"ok": true}', None),
        ("queued", None),
        ("[1, 2]", None),
        (None, None),
    ],
)
def test_the_gateways_id_is_read_from_its_json_answer(answer, expected) -> None:
    assert gateway_id(answer) == expected


def test_database_urls_get_the_async_driver() -> None:
    assert normalise_database_url(" postgres://u@h/db ") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert Settings(database_url="sqlite:///./x.db").is_sqlite
