"""Scenario 4's server: the service's own app plus one bench-only route, GET /bench/pdf, that
renders a one-page letter through the service's PDF module (app.letters.pdf, a process pool).

It measures what the scenario asks (does PDF rendering stall the event loop that answers
/healthz?) without depending on the letters API's workflow (claim, draft, approval).
"""

from fastapi import Response

from app.letters.pdf import render_pdf
from app.main import app

PARAGRAPH = (
    "Подтверждаем получение вашей рекламации от 23.11.2026 по насосу PUMP-7, серийный номер "
    "SN-00001234. Рекламация зарегистрирована под номером CLM-2026-000123 и передана в отдел "
    "контроля качества. Apstiprinām, ka jūsu pretenzija ir saņemta un reģistrēta. "
)
LETTER = f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: 'DejaVu Serif', serif; font-size: 11pt; line-height: 1.4; }}
h1 {{ font-family: 'DejaVu Sans', sans-serif; font-size: 14pt; }}
table {{ border-collapse: collapse; width: 100%; }} td {{ border: 1px solid #999; padding: 4px; }}
</style></head><body>
<p>SIA Siltums<br>Brīvības iela 214, Rīga, LV-1039</p>
<p>Nr. L-2026-000045, 23.11.2026</p>
<h1>Подтверждение получения рекламации CLM-2026-000123</h1>
{"".join(f"<p>{PARAGRAPH * 2}</p>" for _ in range(6))}
<table>{
    "".join(
        f"<tr><td>E42</td><td>2026-11-{d:02d}</td><td>motor overcurrent</td></tr>"
        for d in range(10, 22)
    )
}</table>
<p>С уважением,<br>начальник отдела контроля качества</p>
</body></html>"""


@app.get("/bench/pdf", include_in_schema=False)
async def bench_pdf() -> Response:
    return Response(await render_pdf(LETTER), media_type="application/pdf")
