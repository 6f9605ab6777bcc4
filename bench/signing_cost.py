"""The cost of signing per issued letter, measured in-process (issue 16).

    PYTHONPATH=$PWD python bench/signing_cost.py [--n 30] [--lang ru] [--tsa-url URL]

Renders one real acknowledgement letter (the service's templates, a full context) the three
ways the service does, each --n times after a warm-up, in this process (what a PDF pool worker
does per letter): a draft (ordinary PDF), an unsigned issued letter (PDF/A-3b with its XMP) and a
signed issued letter (PDF/A-3b plus pyHanko's PAdES signature with a visible box, B-T when
--tsa-url is given). A throwaway development certificate is made in a temporary directory.

Prints the median and p95 wall time of each, the signing cost per letter (signed minus unsigned
PDF/A), the sizes, and the time to verify the signed file (what POST /documents/verify costs).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.enums import LetterKind
from app.letters.certificates import make_dev_certificate
from app.letters.context import (
    ClaimInfo,
    Company,
    Customer,
    Executor,
    LetterContext,
    LetterInfo,
    Signatory,
)
from app.letters.pdf import Archive, html_to_pdf, issued_pdf
from app.letters.render import render_html
from app.letters.seal import Seal
from app.letters.signing import SigningKey, inspect

NUMBER, CLAIM = "L-2026-000045", "CLM-2026-000123"


def _html(lang: str, *, signed: bool, number: str | None) -> str:
    context = LetterContext(
        letter=LetterInfo(
            kind=LetterKind.acknowledgement, date=date(2026, 11, 23), number=number, signed=signed
        ),
        claim=ClaimInfo(
            number=CLAIM,
            received_on=date(2026, 11, 20),
            product_model="PMP-200",
            product_name="Circulation pump",
            serial_number="SN-00001234",
            defect_description="The pump stops after ten minutes of work; the breaker trips.",
        ),
        customer=Customer(
            name="SIA Siltums",
            contact_person="Jānis Ozoliņš",
            address_lines=("Brīvības iela 214", "Rīga, LV-1039"),
            email="janis@siltums.example.lv",
        ),
        company=Company(name="Example Manufacturing Ltd", address_lines=("1 Factory Street",)),
        signatory=Signatory("Ivan Petrov", "Head of Quality Control Department"),
        executor=Executor(name="Anna Bērziņa", phone="+371 2611 2233"),
    )
    return render_html(LetterKind.acknowledgement, lang, context)


def _timed(work: Callable[[], object], n: int) -> list[float]:
    work()  # warm-up: imports, fonts, the key
    times = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def _line(name: str, times: list[float]) -> str:
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    return f"{name:<28} median {statistics.median(times) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--lang", default="ru", choices=["ru", "lv", "en"])
    parser.add_argument("--tsa-url", default=None)
    args = parser.parse_args()
    # fontTools reports each table it leaves out of a subset; the pool workers silence it too.
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        cert = make_dev_certificate(Path(tmp), password="bench")
        key = SigningKey(cert.pkcs12, b"bench", tsa_url=args.tsa_url)
        archive = Archive(NUMBER, CLAIM, args.lang)
        seal = Seal(
            "Ivan Petrov", "Head of Quality Control", internal=False, timezone="Europe/Riga"
        )
        draft_html = _html(args.lang, signed=False, number=None)
        plain_html = _html(args.lang, signed=False, number=NUMBER)
        signed_html = _html(args.lang, signed=True, number=NUMBER)

        draft = _timed(lambda: html_to_pdf(draft_html), args.n)
        pdfa = _timed(lambda: issued_pdf(plain_html, archive), args.n)
        signed = _timed(lambda: issued_pdf(signed_html, archive, key, seal), args.n)
        unsigned_file = issued_pdf(plain_html, archive).data
        signed_file = issued_pdf(signed_html, archive, key, seal).data
        check = _timed(lambda: inspect(signed_file, (cert.ca_pem,)), args.n)

    level = "B-T" if args.tsa_url else "B-B"
    print(f"one acknowledgement letter ({args.lang}), {args.n} runs each, in-process")
    print(_line("draft (plain PDF)", draft))
    print(_line("issued, PDF/A-3b", pdfa))
    print(_line(f"issued, PDF/A-3b + PAdES {level}", signed))
    print(_line("verify the signed file", check))
    cost = statistics.median(signed) - statistics.median(pdfa)
    print(f"signing cost per letter: {cost * 1000:.1f} ms (median signed minus median PDF/A)")
    print(f"size: PDF/A {len(unsigned_file)} bytes, signed {len(signed_file)} bytes")


if __name__ == "__main__":
    main()
