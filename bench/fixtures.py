"""Request data for the load scenarios: varied claim bodies, a 5 KB MIME message, listing URLs.

The files are written once per run and read by bench/lua/load.lua.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

FIRST = [
    "Jānis",
    "Ilze",
    "Андрей",
    "Мария",
    "Георги",
    "Elena",
    "Pēteris",
    "Ольга",
    "Dimitar",
    "Anna",
]
LAST = ["Bērziņš", "Kalniņa", "Смирнов", "Иванова", "Петров", "Ozola", "Димитров", "Liepa"]
COMPANIES = ["SIA Ūdensvads", "ООО Теплосеть", "Агро ЕООД", "SIA Siltums", "АО Водоканал", None]
MODELS = [f"PUMP-{n}" for n in range(40)]
DEFECTS = [
    "The pump stops after a few minutes of operation and shows error E{n}.",
    "Насос сильно шумит и вибрирует при запуске, код ошибки E{n}.",
    "Sūknis nepalaižas pēc strāvas pārtraukuma, kļūdas kods E{n}.",
    "Помпата тече от уплътнението на вала след {n} часа работа.",
    "Pressure drops to zero twice a day; the controller logs fault E{n}.",
]
CHANNELS = ["web", "phone", "email", "internal"]


def serial_for(i: int) -> str:
    """SN-00000000..SN-00099999 are seeded as sold units; higher numbers are unknown."""
    return f"SN-{i:08d}"


def claim_body(i: int, rng: random.Random) -> dict[str, object]:
    """A POST /api/v1/claims body (the service's ClaimCreate): half the serial numbers are
    registered units (warranty data found), the rest fall back to the model code."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = rng.choice(COMPANIES)
    channel = rng.choice(CHANNELS)
    # customer0..4999@example.com are seeded contacts (bench/seed.py): most claims come from a
    # returning contact, the rest add one.
    email = f"customer{rng.randrange(6000)}@example.com"
    # A Latvian mobile number is 2 and seven digits, but the service validates against the
    # numbering plan (app/phones.py), which leaves parts of 23xxxxxx unallocated (23099999 is
    # refused, a 422): those become 24xxxxxx. Same draws as before, so the same bodies.
    mobile = rng.randrange(1000000, 9999999)
    if mobile // 1_000_000 == 3:
        mobile += 1_000_000
    customer: dict[str, object] = {
        "name": f"{first} {last}",
        "email": email,
        "phone": f"+371 2{mobile}",
        "language": rng.choice(["ru", "lv", "en", "bg"]),
    }
    if company:
        customer["organisation"] = company
    body: dict[str, object] = {
        "channel": channel,
        "customer": customer,
        "product": {
            "model_code": rng.choice(MODELS),
            "serial_number": serial_for(rng.randrange(200_000)),
        },
        "title": "Pump failure",
        "defect_description": rng.choice(DEFECTS).format(n=rng.randrange(10, 99)),
    }
    if channel == "phone":
        body["phone_call"] = {"operator": "Anna K.", "call_id": f"c-{i}", "duration_seconds": 300}
    if channel == "internal":
        body["internal_source"] = "Service centre Riga"
    return body


def write_claim_bodies(path: Path, count: int = 2000, seed: int = 7) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps(claim_body(i, rng), ensure_ascii=False) + "\n")
    return path


TEXT_BODY = """\
Labdien!

Rakstām par sūkni {model}, sērijas numurs {serial}, kas uzstādīts mūsu katlu mājā
Rīgā, Brīvības ielā 214. Kopš pagājušās nedēļas sūknis apstājas pēc dažām darba
minūtēm, un vadības blokā parādās kļūda E42. Mēs pārbaudījām barošanas spriegumu
(230 V, stabils) un filtrus; tie ir tīri. Sūknis iegādāts 2025. gada martā pie jūsu
izplatītāja, pavadzīme Nr. PZ-2025-03117.

Lūdzam reģistrēt pretenziju un informēt, vai jūsu servisa centra speciālists var
ierasties uz vietas. Pielikumā ir iekārtas datu plāksnītes fotogrāfijas apraksts un
kļūdu žurnāla izraksts:

  2026-11-16 07:12:03  E42  motor overcurrent  I=7.9 A
  2026-11-16 07:40:55  E42  motor overcurrent  I=8.1 A
  2026-11-17 06:58:10  E42  motor overcurrent  I=8.0 A
  2026-11-18 08:03:44  E17  dry run protection
  2026-11-19 07:15:21  E42  motor overcurrent  I=8.3 A

Модель: {model}
Серийный номер: {serial}
Контактное лицо: Андрей Смирнов, +371 29 123 456

Ar cieņu,
Andrejs Smirnovs
Galvenais enerģētiķis, SIA Siltums
"""


def mime_template(model: str = "PUMP-7", serial: str = "SN-00001234") -> bytes:
    """A realistic ~5 KB multipart message; @@UNIQUE@@ becomes a unique Message-ID part."""
    text = TEXT_BODY.format(model=model, serial=serial)
    html = (
        "<html><body>"
        + "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
        + "</body></html>"
    )
    msg = EmailMessage()
    msg["Return-Path"] = "<a.smirnovs@siltums.example.lv>"
    msg["Received"] = (
        "from mx1.siltums.example.lv (mx1.siltums.example.lv [192.0.2.17]) by "
        "mail-gw.claims.example.com with ESMTPS id 4Xy7Kq2Zr9z1; Mon, 23 Nov 2026 06:41:12 +0000"
    )
    msg["Received"] = (
        "from [10.1.4.23] (unknown [10.1.4.23]) by mx1.siltums.example.lv (Postfix) "
        "with ESMTPSA id 9F1A2C0041; Mon, 23 Nov 2026 08:41:09 +0200"
    )
    msg["DKIM-Signature"] = (
        "v=1; a=rsa-sha256; c=relaxed/relaxed; d=siltums.example.lv; s=mail; t=1795416069; "
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; h=From:To:Subject:Date:Message-ID; "
        "b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQg aXQgaGFzIHRoZSByaWdodCBsZW5ndGggZm9y"
        " IGEgcmVhbGlzdGljIGhlYWRlcg=="
    )
    msg["From"] = "Andrejs Smirnovs <a.smirnovs@siltums.example.lv>"
    msg["To"] = "claims@manufacturer.example.com"
    msg["Subject"] = f"Pretenzija: sūknis {model}, SN {serial}, kļūda E42"
    msg["Date"] = format_datetime(datetime(2026, 11, 23, 6, 41, 9, tzinfo=UTC))
    msg["Message-ID"] = "<UNIQUEPLACEHOLDER@siltums.example.lv>"
    msg["User-Agent"] = "Mozilla Thunderbird"
    msg["Content-Language"] = "lv"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    log = "".join(
        f"2026-11-{16 + i // 3:02d} 0{7 + i % 2}:{(i * 7) % 60:02d}:00;E42;"
        f"motor overcurrent;{7.8 + i / 10:.1f}\n"
        for i in range(12)
    )
    msg.add_attachment(log.encode(), maintype="text", subtype="csv", filename="kludu_zurnals.csv")
    return msg.as_bytes().replace(b"UNIQUEPLACEHOLDER", b"@@UNIQUE@@")


def write_mime(path: Path) -> tuple[Path, int]:
    data = mime_template()
    path.write_bytes(data)
    return path, len(data)


def write_paths(path: Path, paths: list[str]) -> Path:
    path.write_text("".join(p + "\n" for p in paths))
    return path
