"""Letters in the customer's language: detected from the claim's text, with the letterhead and
the catalogue's model names in that language (issue 15: Bulgarian, per-language names)."""

import re
import uuid
from typing import Any

import pytest

from app.enums import Role
from tests.conftest import unique

CYRILLIC = re.compile("[\u0400-\u04ff]")
RUSSIAN_ONLY = re.compile("[ыэёЫЭЁ]")

NAMES = {
    "en": "Shipboard control unit BU-7M",
    "lv": "Kuģa vadības bloks BU-7M",
    "ru": "Блок управления судовой БУ-7М",
    "bg": "Корабен блок за управление БУ-7М",
}


def visible(html: str) -> str:
    body = html[html.index("<body") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


@pytest.fixture
def model_with_names(client: Any, auth: Any) -> Any:
    async def create() -> str:
        code = unique("BU7M")
        response = await client.post(
            "/api/v1/product-models",
            headers=auth(Role.admin),
            json={"code": code, "name": NAMES["en"], "names": NAMES, "warranty_months": 24},
        )
        assert response.status_code == 201, response.text
        return code

    return create


@pytest.fixture
def claim_in(client: Any, auth: Any, model_with_names: Any) -> Any:
    """A claim whose language nobody names: the service tells it from the text."""

    async def create(text: str, name: str, **product: Any) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:10]
        code = await model_with_names()
        response = await client.post(
            "/api/v1/claims",
            headers=auth(Role.intake),
            json={
                "channel": "email",
                "customer": {"name": name, "email": f"{tag}@customer.example"},
                "product": {"model_code": code, "serial_number": f"SN-{tag}", **product},
                "defect_description": text,
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


async def preview(client: Any, auth: Any, number: str, kind: str) -> tuple[dict, str]:
    created = await client.post(
        f"/api/v1/claims/{number}/letters", json={"kind": kind}, headers=auth(Role.specialist)
    )
    assert created.status_code == 201, created.text
    letter = created.json()
    html = await client.get(
        f"/api/v1/letters/{letter['id']}/preview.html", headers=auth(Role.auditor)
    )
    assert html.status_code == 200
    return letter, visible(html.text)


@pytest.mark.parametrize(
    "text",
    [
        # Without ъ: Russian letter counting took these for Russian.
        "Здравейте, контролният блок на кораба не се включва след монтажа. Моля за помощ.",
        "Изделието спря да работи на третия ден. Моля да изпратите сервизен техник.",
        # With ъ: these once fell to English letters.
        "Корабният блок за управление не се включва, а индикаторът на пулта не свети.",
    ],
)
async def test_a_bulgarian_claim_gets_bulgarian_letters(client, auth, claim_in, text) -> None:
    claim = await claim_in(text, "Георги Димитров")
    assert claim["language"] == "bg"
    letter, body = await preview(client, auth, claim["number"], "acknowledgement")
    assert letter["language"] == "bg"
    assert f"Относно: регистриране на рекламация № {claim['number']}" in body
    assert "Уважаеми господин Димитров," in body and "С уважение," in body
    assert NAMES["bg"] in body  # the catalogue's Bulgarian name
    assert "ул. „Рупницас“ 1" in body  # the Bulgarian letterhead
    assert "Ръководител на отдел „Контрол на качеството“" in body  # the signer's title
    assert not RUSSIAN_ONLY.search(body), RUSSIAN_ONLY.findall(body)
    assert "Уважаемый" not in body and "Product:" not in body


async def test_a_russian_claim_stays_russian(client, auth, claim_in) -> None:
    claim = await claim_in(
        "Блок управления не включается после монтажа, индикаторы не горят.", "Иван Петров"
    )
    assert claim["language"] == "ru"
    letter, body = await preview(client, auth, claim["number"], "acknowledgement")
    assert letter["language"] == "ru"
    assert NAMES["ru"] in body and "ул. Рупницас, 1" in body


async def test_a_latvian_letter_has_no_cyrillic_but_what_the_customer_wrote(
    client, auth, claim_in
) -> None:
    claim = await claim_in(
        "Labdien, vadības bloks neieslēdzas pēc uzstādīšanas. Lūdzu atsūtīt speciālistu.",
        "Jānis Bērziņš",
    )
    assert claim["language"] == "lv"
    for kind in ("acknowledgement", "information_request", "closure"):
        letter, body = await preview(client, auth, claim["number"], kind)
        assert letter["language"] == "lv"
        assert NAMES["lv"] in body and "Rūpnīcas iela 1" in body
        assert not CYRILLIC.search(body), (kind, CYRILLIC.findall(body))


async def test_a_model_without_names_is_named_by_its_base_name(client, auth, new_claim) -> None:
    code = unique("P")
    created = await client.post(
        "/api/v1/product-models",
        headers=auth(Role.admin),
        json={"code": code, "name": f"Sūknis {code}"},
    )
    assert created.status_code == 201 and created.json()["names"] is None
    claim = await new_claim(product={"model_code": code, "serial_number": unique("SN")})
    _, body = await preview(client, auth, claim["number"], "acknowledgement")
    assert f"Sūknis {code}" in body
