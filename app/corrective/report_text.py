"""The 8D report's words in ru, lv, bg and en (pure): section titles in each language's own
quality-management terms, the Ishikawa categories, states and task statuses.

A code without a label (a value added later) prints as itself with spaces, so a new enum
member never breaks a report.
"""

from __future__ import annotations

LANGUAGES = ("ru", "lv", "bg", "en")

# text id -> {lang: text}
_TEXT: dict[str, dict[str, str]] = {
    "title": {"ru": "Отчёт 8D", "lv": "8D ziņojums", "bg": "Доклад 8D", "en": "8D report"},
    "department": {
        "ru": "Отдел контроля качества",
        "lv": "Kvalitātes kontroles nodaļa",
        "bg": "Отдел „Контрол на качеството“",
        "en": "Quality Control Department",
    },
    "record": {
        "ru": "Корректирующее действие №",
        "lv": "Korektīvā darbība Nr.",
        "bg": "Коригиращо действие №",
        "en": "Corrective action No.",
    },
    "as_of": {"ru": "По состоянию на", "lv": "Stāvoklis uz", "bg": "Към", "en": "As of"},
    "subject": {"ru": "Предмет", "lv": "Temats", "bg": "Предмет", "en": "Subject"},
    "state": {"ru": "Статус", "lv": "Statuss", "bg": "Статус", "en": "Status"},
    "owner": {"ru": "Ответственный", "lv": "Atbildīgais", "bg": "Отговорник", "en": "Owner"},
    "model": {
        "ru": "Модель изделия",
        "lv": "Izstrādājuma modelis",
        "bg": "Модел на изделието",
        "en": "Product model",
    },
    "batch": {"ru": "Партия", "lv": "Partija", "bg": "Партида", "en": "Batch"},
    "opened": {"ru": "Открыто", "lv": "Atvērts", "bg": "Открито", "en": "Opened"},
    "closed_on": {"ru": "Закрыто", "lv": "Slēgts", "bg": "Закрито", "en": "Closed"},
    "d1": {"ru": "D1. Команда", "lv": "D1. Komanda", "bg": "D1. Екип", "en": "D1. Team"},
    "d2": {
        "ru": "D2. Описание проблемы",
        "lv": "D2. Problēmas apraksts",
        "bg": "D2. Описание на проблема",
        "en": "D2. Problem description",
    },
    "d3": {
        "ru": "D3. Сдерживающие меры",
        "lv": "D3. Pagaidu pasākumi",
        "bg": "D3. Ограничаващи мерки",
        "en": "D3. Containment actions",
    },
    "d4": {
        "ru": "D4. Коренная причина",
        "lv": "D4. Pamatcēlonis",
        "bg": "D4. Коренна причина",
        "en": "D4. Root cause",
    },
    "d5": {
        "ru": "D5. Корректирующие действия",
        "lv": "D5. Korektīvās darbības",
        "bg": "D5. Коригиращи действия",
        "en": "D5. Corrective actions",
    },
    "d6": {
        "ru": "D6. Внедрение и проверка результативности",
        "lv": "D6. Ieviešana un efektivitātes pārbaude",
        "bg": "D6. Внедряване и проверка на ефективността",
        "en": "D6. Implementation and validation",
    },
    "d7": {
        "ru": "D7. Предупреждающие действия",
        "lv": "D7. Preventīvās darbības",
        "bg": "D7. Превантивни действия",
        "en": "D7. Preventive actions",
    },
    "d8": {
        "ru": "D8. Закрытие",
        "lv": "D8. Noslēgums",
        "bg": "D8. Приключване",
        "en": "D8. Closure",
    },
    "claims_title": {
        "ru": "Связанные рекламации",
        "lv": "Saistītās reklamācijas",
        "bg": "Свързани рекламации",
        "en": "Linked claims",
    },
    "name": {"ru": "Фамилия, имя", "lv": "Vārds, uzvārds", "bg": "Име", "en": "Name"},
    "role": {"ru": "Роль в команде", "lv": "Loma komandā", "bg": "Роля в екипа", "en": "Role"},
    "function": {"ru": "Подразделение", "lv": "Struktūrvienība", "bg": "Звено", "en": "Function"},
    "statement": {
        "ru": "Формулировка проблемы",
        "lv": "Problēmas formulējums",
        "bg": "Формулировка на проблема",
        "en": "Problem statement",
    },
    "claims_count": {
        "ru": "Число рекламаций",
        "lv": "Reklamāciju skaits",
        "bg": "Брой рекламации",
        "en": "Number of claims",
    },
    "period": {
        "ru": "Получены",
        "lv": "Saņemtas",
        "bg": "Получени",
        "en": "Received",
    },
    "serials": {
        "ru": "Заводские номера",
        "lv": "Sērijas numuri",
        "bg": "Серийни номера",
        "en": "Serial numbers",
    },
    "countries": {"ru": "Страны", "lv": "Valstis", "bg": "Държави", "en": "Countries"},
    "customers": {"ru": "Заказчики", "lv": "Klienti", "bg": "Клиенти", "en": "Customers"},
    "symptoms": {
        "ru": "Дефект в описании заказчиков",
        "lv": "Defekts klientu aprakstā",
        "bg": "Дефектът според описанието на клиентите",
        "en": "The defect as customers described it",
    },
    "action": {"ru": "Мероприятие", "lv": "Pasākums", "bg": "Мярка", "en": "Action"},
    "due": {"ru": "Срок", "lv": "Termiņš", "bg": "Срок", "en": "Due"},
    "status": {"ru": "Статус", "lv": "Statuss", "bg": "Статус", "en": "Status"},
    "done_on": {"ru": "Выполнено", "lv": "Izpildīts", "bg": "Изпълнено на", "en": "Done on"},
    "overdue": {"ru": "просрочено", "lv": "nokavēts", "bg": "просрочено", "en": "overdue"},
    "none": {
        "ru": "Не предусмотрены.",
        "lv": "Nav paredzēti.",
        "bg": "Не са предвидени.",
        "en": "None recorded.",
    },
    "not_recorded": {
        "ru": "Не заполнено.",
        "lv": "Nav aizpildīts.",
        "bg": "Не е попълнено.",
        "en": "Not recorded.",
    },
    "five_whys": {"ru": "Пять почему", "lv": "Pieci kāpēc", "bg": "Пет защо", "en": "Five whys"},
    "why": {"ru": "Почему", "lv": "Kāpēc", "bg": "Защо", "en": "Why"},
    "ishikawa": {
        "ru": "Категория по диаграмме Исикавы",
        "lv": "Kategorija Išikavas diagrammā",
        "bg": "Категория по диаграмата на Ишикава",
        "en": "Ishikawa category",
    },
    "root_cause": {
        "ru": "Коренная причина",
        "lv": "Pamatcēlonis",
        "bg": "Коренна причина",
        "en": "Root cause",
    },
    "component": {
        "ru": "Покупное комплектующее",
        "lv": "Iepirktā komplektējošā detaļa",
        "bg": "Закупен компонент",
        "en": "Purchased component",
    },
    "fix_on": {
        "ru": "Исправление действует с",
        "lv": "Labojums spēkā no",
        "bg": "Корекцията е в сила от",
        "en": "Fix effective from",
    },
    "first_serial": {
        "ru": "Первый заводской номер после исправления",
        "lv": "Pirmais sērijas numurs pēc labojuma",
        "bg": "Първи сериен номер след корекцията",
        "en": "First serial number after the fix",
    },
    "first_batch": {
        "ru": "Первая партия после исправления",
        "lv": "Pirmā partija pēc labojuma",
        "bg": "Първа партида след корекцията",
        "en": "First batch after the fix",
    },
    "check_due": {
        "ru": "Проверка результативности назначена на",
        "lv": "Efektivitātes pārbaudes termiņš",
        "bg": "Проверка на ефективността на",
        "en": "Effectiveness check due",
    },
    "checked_on": {
        "ru": "Результативность проверена",
        "lv": "Efektivitāte pārbaudīta",
        "bg": "Ефективността е проверена на",
        "en": "Effectiveness checked on",
    },
    "result": {"ru": "Результат", "lv": "Rezultāts", "bg": "Резултат", "en": "Result"},
    "rate_before": {
        "ru": "Доля рекламаций до исправления",
        "lv": "Reklamāciju īpatsvars pirms labojuma",
        "bg": "Дял на рекламациите преди корекцията",
        "en": "Claim rate before the fix",
    },
    "rate_after": {
        "ru": "Доля рекламаций после исправления",
        "lv": "Reklamāciju īpatsvars pēc labojuma",
        "bg": "Дял на рекламациите след корекцията",
        "en": "Claim rate after the fix",
    },
    "rate_note": {
        "ru": "рекламаций на 100 проданных изделий",
        "lv": "reklamācijas uz 100 pārdotiem izstrādājumiem",
        "bg": "рекламации на 100 продадени изделия",
        "en": "claims per 100 units sold",
    },
    "not_checked": {
        "ru": "Результативность ещё не проверялась.",
        "lv": "Efektivitāte vēl nav pārbaudīta.",
        "bg": "Ефективността още не е проверена.",
        "en": "Effectiveness not yet checked.",
    },
    "summary": {"ru": "Итоги", "lv": "Kopsavilkums", "bg": "Обобщение", "en": "Summary"},
    "closed_by": {"ru": "Закрыл", "lv": "Slēdza", "bg": "Закрито от", "en": "Closed by"},
    "open_yet": {
        "ru": "Работа по корректирующему действию продолжается.",
        "lv": "Darbs pie korektīvās darbības turpinās.",
        "bg": "Работата по коригиращото действие продължава.",
        "en": "The corrective action is still open.",
    },
    "claim": {
        "ru": "Рекламация №",
        "lv": "Reklamācija Nr.",
        "bg": "Рекламация №",
        "en": "Claim No.",
    },
    "received": {"ru": "Дата получения", "lv": "Saņemta", "bg": "Получена на", "en": "Received"},
    "customer": {"ru": "Заказчик", "lv": "Klients", "bg": "Клиент", "en": "Customer"},
    "country": {"ru": "Страна", "lv": "Valsts", "bg": "Държава", "en": "Country"},
    "serial": {"ru": "Заводской №", "lv": "Sērijas Nr.", "bg": "Сериен №", "en": "Serial No."},
    "approved": {"ru": "Утверждаю", "lv": "Apstiprinu", "bg": "Одобрявам", "en": "Approved"},
    "page": {"ru": "стр.", "lv": "lpp.", "bg": "стр.", "en": "page"},
    "reason": {"ru": "Отчёт 8D", "lv": "8D ziņojums", "bg": "Доклад 8D", "en": "8D report"},
}

# (group, code) -> {lang: label}
_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "ishikawa": {
        "material": {"ru": "Материал", "lv": "Materiāls", "bg": "Материал", "en": "Material"},
        "method": {"ru": "Метод", "lv": "Metode", "bg": "Метод", "en": "Method"},
        "machine": {
            "ru": "Оборудование",
            "lv": "Iekārtas",
            "bg": "Машини и оборудване",
            "en": "Machine",
        },
        "man": {"ru": "Персонал", "lv": "Personāls", "bg": "Персонал", "en": "Man (people)"},
        "measurement": {
            "ru": "Измерения",
            "lv": "Mērījumi",
            "bg": "Измерване",
            "en": "Measurement",
        },
        "environment": {
            "ru": "Окружающая среда",
            "lv": "Vide",
            "bg": "Околна среда",
            "en": "Environment",
        },
        "design": {"ru": "Конструкция", "lv": "Konstrukcija", "bg": "Конструкция", "en": "Design"},
    },
    "state": {
        "open": {"ru": "Открыто", "lv": "Atvērts", "bg": "Открито", "en": "Open"},
        "analysing": {
            "ru": "Анализ причин",
            "lv": "Cēloņu analīze",
            "bg": "Анализ на причините",
            "en": "Analysing",
        },
        "implementing": {
            "ru": "Внедрение",
            "lv": "Ieviešana",
            "bg": "Внедряване",
            "en": "Implementing",
        },
        "verifying": {
            "ru": "Проверка результативности",
            "lv": "Efektivitātes pārbaude",
            "bg": "Проверка на ефективността",
            "en": "Verifying effectiveness",
        },
        "effective": {
            "ru": "Результативно",
            "lv": "Efektīva",
            "bg": "Ефективно",
            "en": "Effective",
        },
        "not_effective": {
            "ru": "Нерезультативно",
            "lv": "Nav efektīva",
            "bg": "Неефективно",
            "en": "Not effective",
        },
        "closed": {"ru": "Закрыто", "lv": "Slēgta", "bg": "Закрито", "en": "Closed"},
        "cancelled": {"ru": "Отменено", "lv": "Atcelta", "bg": "Отменено", "en": "Cancelled"},
    },
    "task_status": {
        "planned": {"ru": "Запланировано", "lv": "Plānots", "bg": "Планирано", "en": "Planned"},
        "in_progress": {
            "ru": "Выполняется",
            "lv": "Izpildē",
            "bg": "В изпълнение",
            "en": "In progress",
        },
        "done": {"ru": "Выполнено", "lv": "Izpildīts", "bg": "Изпълнено", "en": "Done"},
        "cancelled": {"ru": "Отменено", "lv": "Atcelts", "bg": "Отменено", "en": "Cancelled"},
    },
}


def text(lang: str, key: str) -> str:
    return _TEXT[key].get(lang) or _TEXT[key]["en"]


def label(lang: str, group: str, code: str | None) -> str:
    if not code:
        return ""
    known = _LABELS.get(group, {}).get(str(code))
    return (known.get(lang) or known["en"]) if known else str(code).replace("_", " ")
