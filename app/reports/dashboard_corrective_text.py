"""The dashboard's words for the corrective-action widgets, (en, ru, lv, bg) like
dashboard_text.py, which merges them into its tables (kept apart so that file stays short)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str, str, str]] = {
    "ca_title": (
        "Corrective actions (8D)",
        "Корректирующие действия (8D)",
        "Korektīvās darbības (8D)",
        "Коригиращи действия (8D)",
    ),
    "ca_open": (
        "Open corrective actions by state ({total})",
        "Открытые корректирующие действия по статусу ({total})",
        "Atvērtās korektīvās darbības pēc statusa ({total})",
        "Открити коригиращи действия по статус ({total})",
    ),
    "ca_overdue": (
        "Overdue actions ({total})",
        "Просроченные мероприятия ({total})",
        "Nokavētie pasākumi ({total})",
        "Просрочени мерки ({total})",
    ),
    "ca_no_overdue": (
        "No action is past its due date.",
        "Просроченных мероприятий нет.",
        "Nokavētu pasākumu nav.",
        "Няма просрочени мерки.",
    ),
    "ca_record": ("Record", "Запись", "Ieraksts", "Запис"),
    "ca_action": ("Action", "Мероприятие", "Pasākums", "Мярка"),
    "ca_owner": ("Owner", "Ответственный", "Atbildīgais", "Отговорник"),
    "ca_due": ("Due", "Срок", "Termiņš", "Срок"),
    "ca_days_late": ("Days late", "Дней просрочки", "Dienas nokavētas", "Дни закъснение"),
    "ca_effectiveness": (
        "Effectiveness: {effective} effective, {not_effective} not effective, {due} checks due",
        "Результативность: результативно {effective}, нерезультативно {not_effective}, "
        "проверок к сроку {due}",
        "Efektivitāte: efektīvas {effective}, nav efektīvas {not_effective}, "
        "pārbaudes termiņš pienācis {due}",
        "Ефективност: ефективни {effective}, неефективни {not_effective}, дължими проверки {due}",
    ),
    "ca_no_effectiveness": (
        "No effectiveness check is due or done.",
        "Проверок результативности к сроку или проведённых нет.",
        "Nav pienākušu vai veiktu efektivitātes pārbaužu.",
        "Няма дължими или извършени проверки на ефективността.",
    ),
    "ca_result": ("Result", "Результат", "Rezultāts", "Резултат"),
    "ca_rate_before": (
        "Claims per 100 units before",
        "Рекламаций на 100 изделий до",
        "Reklamācijas uz 100 izstr. pirms",
        "Рекламации на 100 изделия преди",
    ),
    "ca_rate_after": (
        "… after",
        "… после",
        "… pēc",
        "… след",
    ),
    "ca_none_open": (
        "No open corrective actions.",
        "Открытых корректирующих действий нет.",
        "Atvērtu korektīvo darbību nav.",
        "Няма открити коригиращи действия.",
    ),
}

LABELS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "ca_state": {
        "open": ("Open", "Открыто", "Atvērta", "Открито"),
        "analysing": ("Analysing", "Анализ причин", "Cēloņu analīze", "Анализ на причините"),
        "implementing": ("Implementing", "Внедрение", "Ieviešana", "Внедряване"),
        "verifying": (
            "Verifying effectiveness",
            "Проверка результативности",
            "Efektivitātes pārbaude",
            "Проверка на ефективността",
        ),
        "effective": ("Effective", "Результативно", "Efektīva", "Ефективно"),
        "not_effective": ("Not effective", "Нерезультативно", "Nav efektīva", "Неефективно"),
        "closed": ("Closed", "Закрыто", "Slēgta", "Закрито"),
        "cancelled": ("Cancelled", "Отменено", "Atcelta", "Отменено"),
    },
    "ca_result": {
        "effective": ("Effective", "Результативно", "Efektīva", "Ефективно"),
        "not_effective": ("Not effective", "Нерезультативно", "Nav efektīva", "Неефективно"),
        "due": ("Check due", "Пора проверить", "Jāpārbauda", "За проверка"),
    },
}
