"""The load generator's data stays valid for the service (bench/ is not part of the app)."""

import email
import random
import sys
from email import policy
from pathlib import Path

import pytest

from app.models.claims import ClaimCreate
from app.phones import to_e164

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import fixtures  # noqa: E402
import harness  # noqa: E402


@pytest.mark.parametrize("seed", range(5))
def test_claim_bodies_are_valid_registrations(seed: int) -> None:
    rng = random.Random(seed)
    for i in range(200):
        body = ClaimCreate.model_validate(fixtures.claim_body(i, rng))
        # Registration also checks the phone against the numbering plan (a 422 otherwise).
        assert body.customer.phone is not None
        to_e164(body.customer.phone, "LV")


def test_mime_message_is_about_5_kb_and_parses_with_a_unique_id_slot() -> None:
    raw = fixtures.mime_template()
    assert 4_500 <= len(raw) <= 6_500
    assert raw.count(b"@@UNIQUE@@") == 1
    msg = email.message_from_bytes(raw.replace(b"@@UNIQUE@@", b"r1.1.7"), policy=policy.default)
    assert msg["Message-ID"] == "<r1.1.7@siltums.example.lv>"
    assert "SN-00001234" in msg.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in msg.iter_attachments()] == ["kludu_zurnals.csv"]


def test_profile_summary_aggregates_functions_and_lines(tmp_path: Path) -> None:
    collapsed = tmp_path / "p.collapsed"
    collapsed.write_text(
        "main (a.py:1);handler (b.py:10);query (c.py:5) 6\n"
        "main (a.py:1);handler (b.py:12) 3\n"
        "main (a.py:1) 1\n"
    )
    summary = harness.summarize_collapsed(collapsed)
    assert "10 samples" in summary
    assert " 100.0 |  10.0 | main (a.py)" in summary
    assert "  90.0 |  30.0 | handler (b.py)" in summary
    assert "  60.0 | query (c.py:5)" in summary
