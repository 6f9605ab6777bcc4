"""Files (issue 17, point 8): safe stored names, RFC 6266 downloads, nosniff on every response,
and every accepted type checked by its content (puremagic) or refused."""

import io
import zipfile
from typing import Any

import httpx
import pytest

from app.claims.attachments import check_content_type, content_disposition, stored_filename
from app.enums import Role

CLAIMS = "/api/v1/claims"
SVG_SCRIPT = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


async def _upload(
    client: httpx.AsyncClient, auth: Any, number: str, name: str, data: bytes, ctype: str
) -> httpx.Response:
    return await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": (name, data, ctype)},
    )


GOOD = [
    ("image/heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64),
    ("video/mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64),
    ("image/webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64),
    ("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("application/msword", OLE),
    ("application/vnd.ms-excel", OLE),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip("[Content_Types].xml", "word/document.xml"),
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip("[Content_Types].xml", "xl/workbook.xml"),
    ),
    ("application/zip", _zip("readme.txt")),
    ("text/plain", "Sūkņa motors apstājas.\r\n".encode()),
    ("text/csv", "Имя;Дата\n1;2\n".encode("cp1251")),
    ("message/rfc822", b"From: a@example.lv\r\nSubject: pump\r\n\r\nIt stopped."),
]


@pytest.mark.parametrize(("ctype", "data"), GOOD, ids=[c for c, _ in GOOD])
async def test_every_accepted_type_is_content_checked(client, auth, new_claim, ctype, data) -> None:
    """Issue 17: heic, mp4, docx, xlsx, msword and webp uploads passed unchecked."""
    number = (await new_claim())["number"]
    accepted = await _upload(client, auth, number, "file.bin", data, ctype)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["content_type"] == ctype
    refused = await _upload(client, auth, number, "file.bin", PNG, ctype)
    assert refused.status_code == 415, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("ctype", ["image/webp", "image/heic", "text/plain", "text/csv"])
async def test_an_svg_with_a_script_is_refused_whatever_it_claims(client, auth, new_claim, ctype):
    number = (await new_claim())["number"]
    response = await _upload(client, auth, number, "photo.webp", SVG_SCRIPT, ctype)
    assert response.status_code == 415, response.text
    html = await _upload(client, auth, number, "a.txt", b"<!DOCTYPE html><script>x</script>", ctype)
    assert html.status_code == 415


async def test_a_path_in_the_filename_is_dropped(client, auth, new_claim) -> None:
    """Issue 17: `../../../../tmp/pwn.txt` was kept verbatim, in the database and in
    Content-Disposition."""
    number = (await new_claim())["number"]
    up = await _upload(client, auth, number, "../../../../tmp/pwn.txt", b"hello\n", "text/plain")
    assert up.status_code == 201, up.text
    assert up.json()["filename"] == "pwn.txt"
    down = await client.get(
        f"{CLAIMS}/{number}/attachments/{up.json()['id']}", headers=auth(Role.auditor)
    )
    assert down.status_code == 200 and down.content == b"hello\n"
    assert down.headers["content-disposition"] == (
        "attachment; filename=\"pwn.txt\"; filename*=UTF-8''pwn.txt"
    )
    assert down.headers["x-content-type-options"] == "nosniff"
    timeline = (await client.get(f"{CLAIMS}/{number}", headers=auth(Role.auditor))).json()
    assert timeline["timeline"][-1]["payload"]["filename"] == "pwn.txt"


async def test_a_non_ascii_name_is_sent_as_filename_star(client, auth, new_claim) -> None:
    number = (await new_claim())["number"]
    name = "C:\\Users\\x\\шильдик (1)\u202e.png"
    up = await _upload(client, auth, number, name, PNG, "image/png")
    assert up.status_code == 201, up.text
    assert up.json()["filename"] == "шильдик (1).png"
    down = await client.get(
        f"{CLAIMS}/{number}/attachments/{up.json()['id']}", headers=auth(Role.auditor)
    )
    assert down.headers["content-disposition"] == (
        'attachment; filename="(1).png"; '
        "filename*=UTF-8''%D1%88%D0%B8%D0%BB%D1%8C%D0%B4%D0%B8%D0%BA%20%281%29.png"
    )


def test_quotes_and_non_ascii_stay_out_of_the_plain_filename() -> None:
    assert content_disposition('Ģirts "a";b.pdf') == (
        "attachment; filename=\"Girts _a__b.pdf\"; filename*=UTF-8''%C4%A2irts%20%22a%22%3Bb.pdf"
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../../../tmp/pwn.txt", "pwn.txt"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("a\r\nX-Injected: 1.png", "aX-Injected: 1.png"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("nul\x00.pdf", "nul.pdf"),
        ("..", "file"),
        (".htaccess", "htaccess"),
        ("report.pdf. ", "report.pdf"),
        ("", "file"),
        ("x" * 300 + ".jpeg", "x" * 250 + ".jpeg"),
        ("y" * 300, "y" * 255),
    ],
)
def test_stored_filenames_are_safe_base_names(given: str, stored: str) -> None:
    assert stored_filename(given) == stored
    header = content_disposition(given)
    assert "\r" not in header and "\n" not in header and "/" not in header


def test_a_type_nothing_can_check_is_refused(settings: Any) -> None:
    from app.errors import UnsupportedMediaType

    configured = settings.model_copy(update={"attachment_content_types": ["image/tiff"]})
    with pytest.raises(UnsupportedMediaType, match="cannot be checked"):
        check_content_type("image/tiff", b"II*\x00" + b"\x00" * 64, configured)


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/healthz", None),
        ("GET", CLAIMS, "specialist"),
        ("GET", CLAIMS, None),  # 401
        ("GET", f"{CLAIMS}/CLM-1999-000001", "specialist"),  # 404
        ("GET", f"{CLAIMS}?limit=0", "specialist"),  # 422
        ("GET", "/claim-form", None),
        ("GET", "/openapi.json", None),
    ],
)
async def test_nosniff_on_every_response(client, auth, method, path, role) -> None:
    headers = auth(Role(role)) if role else {}
    response = await client.request(method, path, headers=headers)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"], response.status_code
