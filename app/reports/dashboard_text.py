"""The dashboard's words in its four languages, and which language a request gets (pure).

Codes (states, channels, defect causes, resolutions, cost bearers and kinds) are shown by
their human labels; a code without one (a value added later) shows as itself with spaces, so
a new enum member never breaks the page.
"""

from __future__ import annotations

from app.reports import dashboard_corrective_text

LANGUAGES = ("en", "ru", "lv", "bg")
DEFAULT = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "lv": "Latviešu", "bg": "Български"}

# text id -> (en, ru, lv, bg); placeholders are str.format fields
_TEXT: dict[str, tuple[str, str, str, str]] = {
    "title": (
        "Claims dashboard",
        "Панель рекламаций",
        "Pretenziju pārskats",
        "Табло на рекламациите",
    ),
    "sign_in_title": (
        "Claims dashboard: sign in",
        "Панель рекламаций: вход",
        "Pretenziju pārskats: pieteikšanās",
        "Табло на рекламациите: вход",
    ),
    "key_label": (
        "API key (roles auditor, head, director or specialist)",
        "API-ключ (роли auditor, head, director или specialist)",
        "API atslēga (lomas auditor, head, director vai specialist)",
        "API ключ (роли auditor, head, director или specialist)",
    ),
    "sign_in": ("Sign in", "Войти", "Pieteikties", "Вход"),
    "sign_out": ("Sign out", "Выйти", "Iziet", "Изход"),
    "session_note": (
        "You stay signed in on this page for {hours} hours or until you sign out. The browser "
        "keeps a signed session, never the key itself.",
        "Вход действует на этой странице {hours} ч или до выхода. Браузер хранит подписанную "
        "сессию, но не сам ключ.",
        "Pieteikšanās šajā lapā ir spēkā {hours} h vai līdz iziešanai. Pārlūks glabā parakstītu "
        "sesiju, nevis pašu atslēgu.",
        "Входът важи на тази страница {hours} ч или до изход. Браузърът пази подписана сесия, "
        "а не самия ключ.",
    ),
    "bad_key": (
        "Unknown key, or a key without a reporting role.",
        "Неизвестный ключ или ключ без роли для отчётов.",
        "Nezināma atslēga vai atslēga bez pārskatu lomas.",
        "Непознат ключ или ключ без роля за справки.",
    ),
    "session_ended": (
        "Your session has ended or its key was revoked; sign in again.",
        "Сессия закончилась или её ключ отозван; войдите снова.",
        "Sesija ir beigusies vai tās atslēga atsaukta; piesakieties vēlreiz.",
        "Сесията изтече или ключът ѝ е отменен; влезте отново.",
    ),
    "language": ("Language", "Язык", "Valoda", "Език"),
    "received_from": ("Received from", "Получены с", "Saņemtas no", "Получени от"),
    "to": ("to", "по", "līdz", "до"),
    "costs_year": ("Costs year", "Год затрат", "Izmaksu gads", "Година на разходите"),
    "show": ("Show", "Показать", "Rādīt", "Покажи"),
    "timeliness": (
        "Timeliness ({total} claims received {start} – {end})",
        "Сроки ({total} рекламаций получено {start} – {end})",
        "Termiņi ({total} pretenzijas saņemtas {start} – {end})",
        "Срокове ({total} рекламации получени {start} – {end})",
    ),
    "ack_median": (
        "Time to acknowledge, median",
        "Время до подтверждения, медиана",
        "Laiks līdz apstiprinājumam, mediāna",
        "Време до потвърждение, медиана",
    ),
    "p90": ("… 90th percentile", "… 90-й процентиль", "… 90. procentile", "… 90-и процентил"),
    "close_median": (
        "Time to close, median",
        "Время до закрытия, медиана",
        "Laiks līdz slēgšanai, mediāna",
        "Време до закриване, медиана",
    ),
    "hours": ("{value} h", "{value} ч", "{value} h", "{value} ч"),
    "days": ("{value} days", "{value} дн.", "{value} d.", "{value} дни"),
    "ack3": (
        "Acknowledged within 3 working days",
        "Подтверждено в течение 3 рабочих дней",
        "Apstiprināts 3 darba dienu laikā",
        "Потвърдено в рамките на 3 работни дни",
    ),
    "ack5": (
        "Acknowledged within 5 working days",
        "Подтверждено в течение 5 рабочих дней",
        "Apstiprināts 5 darba dienu laikā",
        "Потвърдено в рамките на 5 работни дни",
    ),
    "met": ("met", "в срок", "laikā", "в срок"),
    "missed": ("missed", "просрочено", "nokavēts", "просрочено"),
    "pending": ("pending", "ожидают", "gaida", "чакащи"),
    "n_a": ("n/a", "н/д", "n/d", "н/д"),
    "no_data": ("no data", "нет данных", "nav datu", "няма данни"),
    "by_state": (
        "Claims by state",
        "Рекламации по статусу",
        "Pretenzijas pēc statusa",
        "Рекламации по статус",
    ),
    "by_channel": (
        "Claims by channel",
        "Рекламации по каналу",
        "Pretenzijas pēc kanāla",
        "Рекламации по канал",
    ),
    "by_model": (
        "Claims by product model",
        "Рекламации по модели изделия",
        "Pretenzijas pēc izstrādājuma modeļa",
        "Рекламации по модел на изделието",
    ),
    "by_cause": (
        "Claims by defect cause",
        "Рекламации по причине дефекта",
        "Pretenzijas pēc defekta cēloņa",
        "Рекламации по причина за дефекта",
    ),
    "by_resolution": (
        "Claims by resolution",
        "Рекламации по решению",
        "Pretenzijas pēc risinājuma",
        "Рекламации по решение",
    ),
    "none": ("(none)", "(нет)", "(nav)", "(няма)"),
    "unknown": ("(unknown)", "(неизвестно)", "(nezināms)", "(неизвестно)"),
    "not_coded": ("(not coded)", "(не указана)", "(nav norādīts)", "(не е посочена)"),
    "open": ("(open)", "(открыта)", "(atvērta)", "(отворена)"),
    "more": (
        "… and {rest} more with {claims} claims",
        "… и ещё {rest} с {claims} рекламациями",
        "… un vēl {rest} ar {claims} pretenzijām",
        "… и още {rest} с {claims} рекламации",
    ),
    "by_bearer": (
        "By cost bearer ({currency})",
        "По плательщику ({currency})",
        "Pēc izmaksu nesēja ({currency})",
        "По платец ({currency})",
    ),
    "by_model_cost": (
        "By product model ({currency})",
        "По модели изделия ({currency})",
        "Pēc izstrādājuma modeļa ({currency})",
        "По модел на изделието ({currency})",
    ),
    "by_kind": (
        "By kind ({currency}), total {total}",
        "По виду ({currency}), всего {total}",
        "Pēc veida ({currency}), kopā {total}",
        "По вид ({currency}), общо {total}",
    ),
    "csv": ("CSV", "CSV", "CSV", "CSV"),
    "csv_summary": ("summary", "сводка", "kopsavilkums", "обобщение"),
    "csv_recurring": (
        "recurring defects",
        "повторяющиеся дефекты",
        "atkārtoti defekti",
        "повтарящи се дефекти",
    ),
    "csv_costs": ("costs", "затраты", "izmaksas", "разходи"),
    "recurring": (
        "Recurring defects (threshold {threshold} claims, {start} – {end})",
        "Повторяющиеся дефекты (порог {threshold} рекламации, {start} – {end})",
        "Atkārtoti defekti (slieksnis {threshold} pretenzijas, {start} – {end})",
        "Повтарящи се дефекти (праг {threshold} рекламации, {start} – {end})",
    ),
    "model": ("Model", "Модель", "Modelis", "Модел"),
    "cause": ("Cause", "Причина", "Cēlonis", "Причина"),
    "claims": ("Claims", "Рекламации", "Pretenzijas", "Рекламации"),
    "share_of_model": ("Share of model", "Доля модели", "Daļa no modeļa", "Дял от модела"),
    "serials": ("Serials", "Серийные номера", "Sērijas numuri", "Серийни номера"),
    "batches": ("Batches", "Партии", "Partijas", "Партиди"),
    "systematic": ("systematic", "систематический", "sistemātisks", "систематичен"),
    "more_groups": (
        "… and {count} more groups in the CSV.",
        "… и ещё {count} групп в CSV.",
        "… un vēl {count} grupas CSV failā.",
        "… и още {count} групи в CSV.",
    ),
    "no_recurring": (
        "No model has recurring claims with the same cause in this window.",
        "Ни у одной модели нет повторяющихся рекламаций с той же причиной за этот период.",
        "Nevienam modelim šajā periodā nav atkārtotu pretenziju ar to pašu cēloni.",
        "Няма модел с повтарящи се рекламации със същата причина за този период.",
    ),
    "alike": (
        "Alike descriptions, no cause coded yet ({method}, {candidates} claims compared)",
        "Похожие описания без указанной причины ({method}, сравнено рекламаций: {candidates})",
        "Līdzīgi apraksti bez norādīta cēloņa ({method}, salīdzinātas {candidates} pretenzijas)",
        "Сходни описания без посочена причина ({method}, сравнени рекламации: {candidates})",
    ),
    "common_words": ("Common words", "Общие слова", "Kopīgie vārdi", "Общи думи"),
    "example": ("Example", "Пример", "Piemērs", "Пример"),
    "no_alike": (
        "No groups of alike descriptions.",
        "Групп похожих описаний нет.",
        "Līdzīgu aprakstu grupu nav.",
        "Няма групи от сходни описания.",
    ),
    "costs": ("Costs {year}", "Затраты {year}", "Izmaksas {year}", "Разходи {year}"),
    "no_costs": (
        "No costs recorded for {year}.",
        "За {year} год затрат не записано.",
        "{year}. gadam izmaksas nav reģistrētas.",
        "Няма записани разходи за {year} г.",
    ),
}

# (group, code) -> (en, ru, lv, bg)
_LABELS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "state": {
        "new": ("New", "Новая", "Jauna", "Нова"),
        "awaiting_customer_info": (
            "Awaiting customer information",
            "Ожидает информации от клиента",
            "Gaida klienta informāciju",
            "Очаква информация от клиента",
        ),
        "awaiting_payment_guarantee": (
            "Awaiting payment guarantee",
            "Ожидает гарантии оплаты",
            "Gaida apmaksas garantiju",
            "Очаква гаранция за плащане",
        ),
        "design_review": (
            "Design review",
            "Рассмотрение конструкторами",
            "Konstruktoru izskatīšana",
            "Преглед от конструкторите",
        ),
        "awaiting_customer_confirmation": (
            "Awaiting customer confirmation",
            "Ожидает подтверждения клиента",
            "Gaida klienta apstiprinājumu",
            "Очаква потвърждение от клиента",
        ),
        "remedy": (
            "Choosing a remedy",
            "Выбор способа устранения",
            "Novēršanas veida izvēle",
            "Избор на начин за отстраняване",
        ),
        "field_service": (
            "Field service",
            "Выезд сервиса",
            "Servisa izbraukums",
            "Сервиз на място",
        ),
        "awaiting_return": (
            "Awaiting return",
            "Ожидает возврата изделия",
            "Gaida izstrādājuma atgriešanu",
            "Очаква връщане на изделието",
        ),
        "inspection": ("Inspection", "Экспертиза", "Ekspertīze", "Експертиза"),
        "repair": ("Repair", "Ремонт", "Remonts", "Ремонт"),
        "replacement": ("Replacement", "Замена", "Nomaiņa", "Замяна"),
        "returned": (
            "Returned to customer",
            "Возвращено клиенту",
            "Atgriezts klientam",
            "Върнато на клиента",
        ),
        "disputed": ("Disputed", "Спор", "Strīds", "Спор"),
        "awaiting_withdrawal": (
            "Awaiting withdrawal",
            "Ожидает отзыва претензии",
            "Gaida pretenzijas atsaukumu",
            "Очаква оттегляне на рекламацията",
        ),
        "closed": ("Closed", "Закрыта", "Slēgta", "Закрита"),
    },
    "channel": {
        "web": ("Web form", "Веб-форма", "Tīmekļa veidlapa", "Уеб формуляр"),
        "phone": ("Phone", "Телефон", "Tālrunis", "Телефон"),
        "email": ("Email", "Эл. почта", "E-pasts", "Имейл"),
        "internal": ("Internal", "Внутренний", "Iekšējs", "Вътрешен"),
    },
    "cause": {
        "misuse": (
            "Misuse",
            "Нарушение правил эксплуатации",
            "Nepareiza lietošana",
            "Неправилна експлоатация",
        ),
        "manufacturing_defect": (
            "Manufacturing defect",
            "Производственный дефект",
            "Ražošanas defekts",
            "Производствен дефект",
        ),
        "design_defect": (
            "Design defect",
            "Конструктивный дефект",
            "Konstrukcijas defekts",
            "Конструктивен дефект",
        ),
        "wear": ("Wear", "Естественный износ", "Dabisks nolietojums", "Естествено износване"),
        "undetermined": ("Undetermined", "Не установлена", "Nav noteikts", "Неустановена"),
        "needs_info": (
            "Needs information",
            "Нужна информация",
            "Nepieciešama informācija",
            "Нужна е информация",
        ),
    },
    "resolution": {
        "explained": ("Explained", "Дано разъяснение", "Sniegts skaidrojums", "Дадено разяснение"),
        "fixed_by_recommendations": (
            "Fixed by recommendations",
            "Устранено по рекомендациям",
            "Novērsts pēc ieteikumiem",
            "Отстранено по препоръки",
        ),
        "repaired": ("Repaired", "Отремонтировано", "Saremontēts", "Ремонтирано"),
        "replaced": ("Replaced", "Заменено", "Nomainīts", "Заменено"),
        "rejected": ("Rejected", "Отклонена", "Noraidīta", "Отхвърлена"),
        "declined_paid_repair": (
            "Paid repair declined",
            "Отказ от платного ремонта",
            "Atteikts maksas remonts",
            "Отказан платен ремонт",
        ),
        "withdrawn": ("Withdrawn", "Отозвана", "Atsaukta", "Оттеглена"),
        "duplicate": ("Duplicate", "Дубликат", "Dublikāts", "Дубликат"),
    },
    "bearer": {
        "manufacturer": ("Manufacturer", "Производитель", "Ražotājs", "Производител"),
        "company": ("Company", "Компания", "Uzņēmums", "Фирмата"),
        "customer": ("Customer", "Клиент", "Klients", "Клиент"),
        "shared": ("Shared", "Совместно", "Dalīti", "Споделено"),
        "supplier": ("Supplier", "Поставщик", "Piegādātājs", "Доставчик"),
        "carrier": ("Carrier", "Перевозчик", "Pārvadātājs", "Превозвач"),
        "disputed": ("Disputed", "Спорные", "Strīdīgi", "Спорни"),
    },
    "cost_kind": {
        "repair": ("Repair", "Ремонт", "Remonts", "Ремонт"),
        "replacement": ("Replacement", "Замена", "Nomaiņa", "Замяна"),
        "field_visit": ("Field visit", "Выезд", "Izbraukums", "Посещение на място"),
        "transport": ("Transport", "Транспорт", "Transports", "Транспорт"),
    },
}

# The corrective-action widgets' words live in a module of their own.
_TEXT.update(dashboard_corrective_text.TEXT)
_LABELS.update(dashboard_corrective_text.LABELS)


def _index(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else 0


def text(lang: str, key: str, **fields: object) -> str:
    value = _TEXT[key][_index(lang)]
    return value.format(**fields) if fields else value


def label(lang: str, group: str, code: str | None) -> str | None:
    """The human label of a code; None stays None (the chart shows its empty label)."""
    if code is None:
        return None
    known = _LABELS.get(group, {}).get(code)
    return known[_index(lang)] if known else code.replace("_", " ")


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages in an Accept-Language header (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def choose(asked: str | None, accept_language: str | None) -> str:
    """An explicit choice (the switcher's `lang`), else the browser's, else English."""
    if asked in LANGUAGES:
        return asked
    return from_accept_language(accept_language) or DEFAULT
