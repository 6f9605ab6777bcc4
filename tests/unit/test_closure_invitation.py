"""The closure letter asks for a rating (1 to 5) only on a real closure, in the four languages,
with the status page's link where the public pages' address is known."""

from dataclasses import replace

import pytest

from app.config import Settings
from app.enums import LetterKind
from app.letters.building import rating_invited, status_url
from app.letters.render import render_html
from tests.unit.test_letter_render import CLAIM, make_context

URL = "https://claims.example.com/claim-status?lang={lang}&amp;number=CLM-2026-000123"
INVITATION = {
    "ru": "оцените рассмотрение рекламации по шкале от 1 до 5",
    "en": "rate the handling of your claim on a scale from 1 to 5",
    "lv": "novērtēsiet reklamācijas izskatīšanu skalā no 1 līdz 5",
    "bg": "оцените разглеждането на рекламацията по скала от 1 до 5",
}
REPLY = {
    "ru": "в ответном письме, указав оценку и, при желании, комментарий",
    "en": "by replying to this letter with your rating and any comments",
    "lv": "atbildes vēstulē, norādot vērtējumu un, ja vēlaties, komentāru",
    "bg": "с отговор на това писмо, като посочите оценката и евентуален коментар",
}


def _closure(lang: str, **claim: object) -> str:
    ctx = make_context(LetterKind.closure, lang, fields={})
    html = render_html(LetterKind.closure, lang, replace(ctx, claim=replace(CLAIM, **claim)))
    return html.replace("\xa0", " ")  # the typography's non-breaking spaces


@pytest.mark.parametrize("lang", ["ru", "en", "lv", "bg"])
def test_a_real_closure_invites_a_rating_with_the_status_link(lang):
    link = URL.format(lang=lang).replace("&amp;", "&")
    html = _closure(lang, invite_rating=True, status_url=link)
    assert INVITATION[lang] in html
    assert URL.format(lang=lang) in html
    assert REPLY[lang] in html


@pytest.mark.parametrize("lang", ["ru", "en", "lv", "bg"])
def test_without_the_public_address_only_the_reply_is_offered(lang):
    html = _closure(lang, invite_rating=True, status_url=None)
    assert INVITATION[lang] in html and REPLY[lang] in html
    assert "claim-status" not in html and "None" not in html


@pytest.mark.parametrize("lang", ["ru", "en", "lv", "bg"])
def test_no_invitation_unless_a_real_closure(lang):
    html = _closure(lang, invite_rating=False, status_url="https://claims.example.com/x")
    assert INVITATION[lang] not in html and "rating-invitation" not in html


def test_which_closures_invite_a_rating():
    assert rating_invited("closed", "repaired")
    assert rating_invited("closed", "declined_paid_repair")
    assert not rating_invited("closed", "duplicate")
    assert not rating_invited("closed", None)
    assert not rating_invited("awaiting_withdrawal", "repaired")


def test_status_url_from_the_public_address():
    settings = Settings(environment="test", web_public_url="https://claims.example.com/")
    assert status_url(settings, "CLM-2026-000123", "lv") == (
        "https://claims.example.com/claim-status?lang=lv&number=CLM-2026-000123"
    )
    assert status_url(Settings(environment="test"), "CLM-2026-000123", "lv") is None
