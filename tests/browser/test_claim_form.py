"""A customer's way through the web channel, and Swagger's Authorize, in headless Chromium
against the real app under uvicorn."""

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.enums import Role
from tests.browser.conftest import LiveServer

NUMBER = re.compile(r"^CLM-\d{4}-\d{6}$")


def api(live_server: LiveServer, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=live_server.url, headers={"X-API-Key": key})


async def test_customer_submits_a_claim_with_a_photo_and_the_api_finds_it(
    new_page: Any,
    live_server: LiveServer,
    live_keys: dict[Role, str],
    model_code: str,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    page = await new_page()
    photo = tmp_path / "defect.jpg"
    await page.goto(f"{live_server.url}/claim-form?lang=en")
    await page.screenshot(path=str(photo), type="jpeg")  # any real JPEG will do as the photo
    email = f"anna.{uuid.uuid4().hex[:8]}@example.lv"
    serial = f"AQ200-{uuid.uuid4().hex[:6]}"

    await page.get_by_label("Your name").fill("Anna Ozola")
    await page.get_by_label("Organisation").fill("SIA Siltums")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Phone").fill("+371 2612 3456")
    # The free-text model shows only while "another model" is chosen.
    free_text = page.get_by_label("Model name as printed on the item")
    await expect(free_text).to_be_hidden()
    await page.get_by_label("Product model").select_option("other")
    await expect(free_text).to_be_visible()
    await page.get_by_label("Product model").select_option(model_code)
    await expect(free_text).to_be_hidden()
    await page.get_by_label("Serial number").fill(serial)
    await page.get_by_label("Purchase or commissioning date").fill("2025-04-01")
    await page.get_by_label("What is wrong?").fill("The compressor stops after ten minutes; E4.")
    await page.get_by_label("Photos").set_input_files(str(photo))
    await page.get_by_role("button", name="Submit the claim").click()

    await expect(page.get_by_role("heading", name="Your claim is registered")).to_be_visible()
    number = await page.locator("#claim-number").inner_text()
    assert NUMBER.match(number), number
    assert email in await page.locator("main").inner_text()

    async with api(live_server, live_keys[Role.specialist]) as client:
        response = await client.get(f"/api/v1/claims/{number}")
        assert response.status_code == 200, response.text
        claim = response.json()
        listed = (await client.get("/api/v1/claims", params={"customer": email})).json()
    assert (claim["channel"], claim["state"], claim["language"]) == ("web", "new", "en")
    assert claim["contact"]["email"] == email and claim["contact"]["name"] == "Anna Ozola"
    assert (claim["model_code"], claim["serial_number"]) == (model_code, serial)
    [attachment] = claim["attachments"]
    assert (attachment["filename"], attachment["content_type"]) == ("defect.jpg", "image/jpeg")
    assert attachment["size"] == photo.stat().st_size
    assert [item["number"] for item in listed["items"]] == [number]

    # The result page links to the status page with the number filled in.
    await page.get_by_role("link", name="Check the status of a claim").click()
    await expect(page.get_by_label("Claim number")).to_have_value(number)
    await page.get_by_label("Email").fill(email.upper())
    await page.get_by_role("button", name="Show the status").click()
    await expect(page.locator("#claim-state")).to_have_text("Registered")
    assert "Anna Ozola" not in await page.locator("main").inner_text()


async def test_invalid_submission_shows_errors_at_the_fields_and_keeps_what_was_typed(
    new_page: Any, live_server: LiveServer, live_keys: dict[Role, str], model_code: str
) -> None:
    from playwright.async_api import expect

    page = await new_page(locale="ru-RU")  # no ?lang=: the browser's Accept-Language decides
    await page.goto(f"{live_server.url}/claim-form")
    await expect(page.get_by_role("heading", name="Подать рекламацию")).to_be_visible()
    serial = f"AQ200-{uuid.uuid4().hex[:6]}"

    # Values that the browser's own checks let through and the server's refuse.
    await page.get_by_label("Ваше имя").fill("Иван Петров")
    await page.get_by_label("Электронная почта").fill("ivan@example")
    await page.get_by_label("Модель изделия").select_option(model_code)
    await page.get_by_label("Серийный номер").fill(serial)
    await page.get_by_label("В чём неисправность?").fill("шум")
    await page.get_by_role("button", name="Отправить рекламацию").click()

    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.locator("#email-error")).to_have_text(
        "Введите корректный адрес, например name@example.com."
    )
    await expect(page.locator("#description-error")).to_have_text(
        "Слишком коротко: не менее 5 символов."
    )
    email = page.get_by_label("Электронная почта")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_attribute("aria-describedby", "email-hint email-error")
    await expect(page.get_by_label("Ваше имя")).to_have_value("Иван Петров")
    await expect(email).to_have_value("ivan@example")
    await expect(page.get_by_label("Серийный номер")).to_have_value(serial)
    await expect(page.get_by_label("Модель изделия")).to_have_value(model_code)
    await expect(page.get_by_label("В чём неисправность?")).to_have_value("шум")
    await expect(page.locator("#serial_number-error")).to_have_count(0)
    async with api(live_server, live_keys[Role.specialist]) as client:
        found = (await client.get("/api/v1/claims", params={"serial": serial})).json()
    assert found["items"] == []

    # Corrected, the same form goes through.
    await email.fill("ivan.petrov@example.ru")
    await page.get_by_label("В чём неисправность?").fill("Сильный шум при запуске компрессора.")
    await page.get_by_role("button", name="Отправить рекламацию").click()
    await expect(page.locator("#claim-number")).to_have_text(NUMBER)
    number = await page.locator("#claim-number").inner_text()
    async with api(live_server, live_keys[Role.specialist]) as client:
        claim = (await client.get(f"/api/v1/claims/{number}")).json()
    assert claim["language"] == "ru" and claim["serial_number"] == serial


async def test_swagger_ui_authorizes_with_an_api_key_and_runs_a_request(
    new_page: Any, live_server: LiveServer, live_keys: dict[Role, str]
) -> None:
    from playwright.async_api import expect

    page = await new_page()
    await page.goto(f"{live_server.url}/docs")
    await page.locator(".swagger-ui .auth-wrapper .authorize").click()
    dialog = page.locator(".swagger-ui .dialog-ux .modal-ux")
    await dialog.locator("input").fill(live_keys[Role.specialist])
    await dialog.locator("button.modal-btn.authorize").click()  # "Authorize" in the dialog
    await expect(dialog.locator("button.modal-btn", has_text="Logout")).to_be_visible()
    await dialog.locator("button.btn-done").click()  # "Close"

    operation = page.locator("#operations-claims-list_claims_api_v1_claims_get")
    await operation.locator(".opblock-summary-control").click()
    try_it = operation.get_by_role("button", name="Try it out")
    if await try_it.count():
        await try_it.click()
    await operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    await expect(status).to_have_text("200")
    body = operation.locator(
        ".live-responses-table tr.response .response-col_description pre"
    ).first
    await expect(body).to_contain_text('"items"')
