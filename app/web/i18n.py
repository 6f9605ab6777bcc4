"""Strings of the public web pages in English, Russian, Latvian and Bulgarian, and language
negotiation.

A small dictionary rather than gettext: four languages, a few dozen strings, and the
letters have their own per-language templates. Numbers are written and words agree with them
by CLDR (app/l10n.py): "1 minute", "через 5 минут", "pēc 1 minūtes", "0,5 МБ". Pure: no I/O,
no request objects.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app import l10n

LANGUAGES: tuple[str, ...] = ("en", "ru", "lv", "bg")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "lv": "Latviešu", "bg": "Български"}


@dataclass(frozen=True, slots=True)
class Plural:
    """A message whose words agree with the number in `count`: a text per CLDR plural
    category ("one", "few", "many", "zero", "other"; "other" is required)."""

    count: str
    forms: Mapping[str, str]

    def select(self, value: object, lang: str) -> str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return l10n.plural(value, self.forms, lang)
        return self.forms["other"]


MESSAGES: dict[str, dict[str, str | Plural]] = {
    "en": {
        "site_name": "Product claims",
        "skip_to_content": "Skip to content",
        "language": "Language",
        "form_title": "Submit a claim",
        "form_intro": (
            "Tell us about a defect of a product you bought from us. We register every claim "
            "at once and answer in writing within 3 working days."
        ),
        "required_hint": "Fields marked * are required.",
        "section_contact": "Your contact details",
        "section_product": "The product",
        "section_defect": "The defect",
        "customer_name": "Your name",
        "organisation": "Organisation",
        "organisation_hint": "If you bought the product for a company.",
        "email": "Email",
        "email_hint": "We send the confirmation and our letters here.",
        "phone": "Phone",
        "product_model": "Product model",
        "product_model_choose": "Choose a model…",
        "product_model_other": "Another model (not in the list)",
        "product_model_name": "Model name as printed on the item",
        "product_model_name_hint": "As on the rating plate or in the sales documents.",
        "serial_number": "Serial number",
        "serial_number_hint": "Printed on the rating plate of the product.",
        "purchase_date": "Purchase or commissioning date",
        "description": "What is wrong?",
        "description_hint": "What happened, when, and how the product was used or connected.",
        "photos": "Photos",
        "photos_hint": Plural(
            "max_files",
            {
                "one": "Up to {max_files} file of {max_mb} MB: JPEG, PNG, WebP or PDF.",
                "other": "Up to {max_files} files, {max_mb} MB each: JPEG, PNG, WebP or PDF.",
            },
        ),
        "photos_reattach": (
            "Attached files are not kept after a correction: please attach the photos again."
        ),
        "honeypot": "Leave this field empty",
        "submit": "Submit the claim",
        "form_has_errors": "Please correct the fields marked below.",
        "submitted_title": "Your claim is registered",
        "submitted_number": "Claim number",
        "submitted_keep": "Please keep this number: quote it whenever you contact us.",
        "next_steps_title": "What happens next",
        "next_step_ack": (
            "Within 3 working days you receive a written acknowledgement at {email}."
        ),
        "next_step_specialist": (
            "A claims specialist of our quality department checks the warranty and may "
            "contact you for details or photos."
        ),
        "next_step_design": (
            "Our engineers examine the cause of the defect; we write to you with the "
            "decision and what we will do."
        ),
        "check_status_link": "Check the status of a claim",
        "new_claim_link": "Submit another claim",
        "status_title": "Status of your claim",
        "status_intro": "Enter the claim number and the email address you gave us.",
        "claim_number": "Claim number",
        "claim_number_hint": "For example CLM-2026-000123.",
        "status_submit": "Show the status",
        "status_not_found": (
            "We found no claim with this number and email address. Check both and try again."
        ),
        "status_state": "State",
        "status_received": "Received",
        "status_letters": "Letters we sent you",
        "status_no_letters": "No letters have been issued yet.",
        "letter_number": "Number",
        "letter_kind": "Letter",
        "letter_issued": "Issued",
        "rating_title": "How satisfied are you with the handling of your claim?",
        "rating_intro": "Rate it from 1 (not at all satisfied) to 5 (fully satisfied).",
        "rating_label": "Your rating",
        "rating_comment": "Comment (optional)",
        "rating_submit": "Send the rating",
        "rating_change": "Change the rating",
        "rating_thanks": "Thank you for your rating.",
        "rating_given": "Your rating: {rating} of 5",
        "rating_not_closed": (
            "This claim is not closed yet. You can rate its handling once it is closed."
        ),
        "error_rating_choice": "Choose a rating from 1 to 5.",
        "error_required": "This field is required.",
        "error_invalid": "This value is not valid.",
        "error_invalid_email": "Enter a valid email address, for example name@example.com.",
        "error_invalid_phone": "Enter a valid phone number, for example +371 2000 0000.",
        "error_invalid_date": "Enter a valid date.",
        "error_future_date": "The date cannot be in the future.",
        "error_too_long": Plural(
            "max_length",
            {
                "one": "This is too long: at most {max_length} character.",
                "other": "This is too long: at most {max_length} characters.",
            },
        ),
        "error_too_short": Plural(
            "min_length",
            {
                "one": "This is too short: at least {min_length} character.",
                "other": "This is too short: at least {min_length} characters.",
            },
        ),
        "error_invalid_choice": "Choose one of the listed options.",
        "error_too_many_files": Plural(
            "max_files",
            {
                "one": "Attach at most {max_files} file.",
                "other": "Attach at most {max_files} files.",
            },
        ),
        "error_file_too_large": "{filename} is larger than {max_mb} MB.",
        "error_file_type": "{filename}: this file type is not accepted.",
        "error_csrf": (
            "The form has expired or was not sent from our site. "
            "Please check your details and submit again."
        ),
        "error_form_used": (
            "This form has already been sent and its claim registered. To submit another "
            "claim, check the details and submit again."
        ),
        "error_rate_limited": Plural(
            "minutes",
            {
                "one": "Too many submissions from your address. Please try again in {minutes} minute.",
                "other": "Too many submissions from your address. Please try again in {minutes} minutes.",
            },
        ),
        "footer": "Questions? Reply to any letter from us or call our customer service.",
    },
    "ru": {
        "site_name": "Рекламации на продукцию",
        "skip_to_content": "Перейти к содержимому",
        "language": "Язык",
        "form_title": "Подать рекламацию",
        "form_intro": (
            "Сообщите нам о дефекте купленного у нас изделия. Мы сразу регистрируем каждую "
            "рекламацию и письменно отвечаем в течение 3 рабочих дней."
        ),
        "required_hint": "Поля, отмеченные *, обязательны.",
        "section_contact": "Ваши контактные данные",
        "section_product": "Изделие",
        "section_defect": "Дефект",
        "customer_name": "Ваше имя",
        "organisation": "Организация",
        "organisation_hint": "Если изделие куплено для организации.",
        "email": "Электронная почта",
        "email_hint": "Сюда мы пришлём подтверждение и наши письма.",
        "phone": "Телефон",
        "product_model": "Модель изделия",
        "product_model_choose": "Выберите модель…",
        "product_model_other": "Другая модель (нет в списке)",
        "product_model_name": "Название модели, как указано на изделии",
        "product_model_name_hint": "Как на заводской табличке или в документах о покупке.",
        "serial_number": "Серийный номер",
        "serial_number_hint": "Указан на заводской табличке изделия.",
        "purchase_date": "Дата покупки или ввода в эксплуатацию",
        "description": "В чём неисправность?",
        "description_hint": "Что случилось, когда, как изделие использовалось или было подключено.",
        "photos": "Фотографии",
        "photos_hint": Plural(
            "max_files",
            {
                "one": "До {max_files} файла, не более {max_mb} МБ: JPEG, PNG, WebP или PDF.",
                "other": "До {max_files} файлов, не более {max_mb} МБ каждый: JPEG, PNG, WebP или PDF.",
            },
        ),
        "photos_reattach": (
            "Приложенные файлы не сохраняются при исправлении: приложите фотографии ещё раз."
        ),
        "honeypot": "Оставьте это поле пустым",
        "submit": "Отправить рекламацию",
        "form_has_errors": "Исправьте, пожалуйста, отмеченные ниже поля.",
        "submitted_title": "Ваша рекламация зарегистрирована",
        "submitted_number": "Номер рекламации",
        "submitted_keep": "Сохраните этот номер и указывайте его при обращении к нам.",
        "next_steps_title": "Что будет дальше",
        "next_step_ack": (
            "В течение 3 рабочих дней вы получите письменное подтверждение на адрес {email}."
        ),
        "next_step_specialist": (
            "Специалист отдела контроля качества проверит гарантию и при необходимости "
            "запросит у вас подробности или фотографии."
        ),
        "next_step_design": (
            "Наши конструкторы установят причину дефекта; мы сообщим вам решение и "
            "дальнейшие действия."
        ),
        "check_status_link": "Узнать статус рекламации",
        "new_claim_link": "Подать ещё одну рекламацию",
        "status_title": "Статус вашей рекламации",
        "status_intro": "Введите номер рекламации и адрес электронной почты, который вы указали.",
        "claim_number": "Номер рекламации",
        "claim_number_hint": "Например, CLM-2026-000123.",
        "status_submit": "Показать статус",
        "status_not_found": (
            "Рекламация с таким номером и адресом почты не найдена. Проверьте оба значения "
            "и попробуйте ещё раз."
        ),
        "status_state": "Состояние",
        "status_received": "Получена",
        "status_letters": "Отправленные вам письма",
        "status_no_letters": "Писем пока не было.",
        "letter_number": "Номер",
        "letter_kind": "Письмо",
        "letter_issued": "Дата",
        "rating_title": "Насколько вы удовлетворены рассмотрением рекламации?",
        "rating_intro": "Оцените по шкале от 1 (совсем не удовлетворены) до 5 (полностью удовлетворены).",
        "rating_label": "Ваша оценка",
        "rating_comment": "Комментарий (необязательно)",
        "rating_submit": "Отправить оценку",
        "rating_change": "Изменить оценку",
        "rating_thanks": "Спасибо за вашу оценку.",
        "rating_given": "Ваша оценка: {rating} из 5",
        "rating_not_closed": (
            "Рекламация ещё не закрыта. Оценить её рассмотрение можно будет после закрытия."
        ),
        "error_rating_choice": "Выберите оценку от 1 до 5.",
        "error_required": "Это поле обязательно.",
        "error_invalid": "Недопустимое значение.",
        "error_invalid_email": "Введите корректный адрес, например name@example.com.",
        "error_invalid_phone": "Введите корректный номер телефона, например +371 2000 0000.",
        "error_invalid_date": "Введите корректную дату.",
        "error_future_date": "Дата не может быть в будущем.",
        "error_too_long": Plural(
            "max_length",
            {
                "one": "Слишком длинно: не более {max_length} символа.",
                "other": "Слишком длинно: не более {max_length} символов.",
            },
        ),
        "error_too_short": Plural(
            "min_length",
            {
                "one": "Слишком коротко: не менее {min_length} символа.",
                "other": "Слишком коротко: не менее {min_length} символов.",
            },
        ),
        "error_invalid_choice": "Выберите один из вариантов списка.",
        "error_too_many_files": Plural(
            "max_files",
            {
                "one": "Можно приложить не более {max_files} файла.",
                "other": "Можно приложить не более {max_files} файлов.",
            },
        ),
        "error_file_too_large": "Файл {filename} больше {max_mb} МБ.",
        "error_file_type": "{filename}: такой тип файла не принимается.",
        "error_csrf": (
            "Срок действия формы истёк или она отправлена не с нашего сайта. "
            "Проверьте данные и отправьте ещё раз."
        ),
        "error_form_used": (
            "Эта форма уже отправлена, и рекламация по ней зарегистрирована. Чтобы подать "
            "ещё одну, проверьте данные и отправьте снова."
        ),
        "error_rate_limited": Plural(
            "minutes",
            {
                "one": "Слишком много обращений с вашего адреса. Попробуйте снова через {minutes} минуту.",
                "few": "Слишком много обращений с вашего адреса. Попробуйте снова через {minutes} минуты.",
                "many": "Слишком много обращений с вашего адреса. Попробуйте снова через {minutes} минут.",
                "other": "Слишком много обращений с вашего адреса. Попробуйте снова через {minutes} минуты.",
            },
        ),
        "footer": "Вопросы? Ответьте на любое наше письмо или позвоните в службу поддержки.",
    },
    "lv": {
        "site_name": "Reklamācijas par produkciju",
        "skip_to_content": "Pāriet uz saturu",
        "language": "Valoda",
        "form_title": "Iesniegt reklamāciju",
        "form_intro": (
            "Pastāstiet mums par pie mums iegādāta izstrādājuma defektu. Katru reklamāciju "
            "reģistrējam uzreiz un rakstiski atbildam 3 darba dienu laikā."
        ),
        "required_hint": "Ar * atzīmētie lauki ir obligāti.",
        "section_contact": "Jūsu kontaktinformācija",
        "section_product": "Izstrādājums",
        "section_defect": "Defekts",
        "customer_name": "Jūsu vārds",
        "organisation": "Organizācija",
        "organisation_hint": "Ja izstrādājums iegādāts uzņēmumam.",
        "email": "E-pasts",
        "email_hint": "Uz šo adresi sūtīsim apstiprinājumu un mūsu vēstules.",
        "phone": "Tālrunis",
        "product_model": "Izstrādājuma modelis",
        "product_model_choose": "Izvēlieties modeli…",
        "product_model_other": "Cits modelis (nav sarakstā)",
        "product_model_name": "Modeļa nosaukums, kā norādīts uz izstrādājuma",
        "product_model_name_hint": "Kā uz datu plāksnītes vai pirkuma dokumentos.",
        "serial_number": "Sērijas numurs",
        "serial_number_hint": "Norādīts uz izstrādājuma datu plāksnītes.",
        "purchase_date": "Iegādes vai ekspluatācijas sākuma datums",
        "description": "Kas nedarbojas?",
        "description_hint": "Kas notika, kad, un kā izstrādājums tika lietots vai pieslēgts.",
        "photos": "Fotoattēli",
        "photos_hint": Plural(
            "max_files",
            {
                "one": "Līdz {max_files} failam, līdz {max_mb} MB: JPEG, PNG, WebP vai PDF.",
                "other": "Līdz {max_files} failiem, katrs līdz {max_mb} MB: JPEG, PNG, WebP vai PDF.",
            },
        ),
        "photos_reattach": (
            "Pievienotie faili labošanas laikā netiek saglabāti: lūdzu, "
            "pievienojiet fotoattēlus vēlreiz."
        ),
        "honeypot": "Atstājiet šo lauku tukšu",
        "submit": "Iesniegt reklamāciju",
        "form_has_errors": "Lūdzu, izlabojiet zemāk atzīmētos laukus.",
        "submitted_title": "Jūsu reklamācija ir reģistrēta",
        "submitted_number": "Reklamācijas numurs",
        "submitted_keep": "Lūdzu, saglabājiet šo numuru un norādiet to, sazinoties ar mums.",
        "next_steps_title": "Kas notiks tālāk",
        "next_step_ack": (
            "3 darba dienu laikā uz adresi {email} saņemsiet rakstisku apstiprinājumu."
        ),
        "next_step_specialist": (
            "Kvalitātes kontroles daļas speciālists pārbaudīs garantiju un, ja vajadzēs, "
            "lūgs jums sīkāku informāciju vai fotoattēlus."
        ),
        "next_step_design": (
            "Mūsu konstruktori noskaidros defekta cēloni; mēs jums paziņosim lēmumu un "
            "turpmāko rīcību."
        ),
        "check_status_link": "Pārbaudīt reklamācijas statusu",
        "new_claim_link": "Iesniegt vēl vienu reklamāciju",
        "status_title": "Jūsu reklamācijas statuss",
        "status_intro": "Ievadiet reklamācijas numuru un e-pasta adresi, ko norādījāt.",
        "claim_number": "Reklamācijas numurs",
        "claim_number_hint": "Piemēram, CLM-2026-000123.",
        "status_submit": "Rādīt statusu",
        "status_not_found": (
            "Reklamācija ar šādu numuru un e-pasta adresi netika atrasta. Pārbaudiet abus "
            "un mēģiniet vēlreiz."
        ),
        "status_state": "Stāvoklis",
        "status_received": "Saņemta",
        "status_letters": "Jums nosūtītās vēstules",
        "status_no_letters": "Vēstules vēl nav izsniegtas.",
        "letter_number": "Numurs",
        "letter_kind": "Vēstule",
        "letter_issued": "Datums",
        "rating_title": "Cik apmierināti esat ar reklamācijas izskatīšanu?",
        "rating_intro": "Novērtējiet to no 1 (pavisam neapmierināti) līdz 5 (pilnībā apmierināti).",
        "rating_label": "Jūsu vērtējums",
        "rating_comment": "Komentārs (nav obligāts)",
        "rating_submit": "Nosūtīt vērtējumu",
        "rating_change": "Mainīt vērtējumu",
        "rating_thanks": "Paldies par Jūsu vērtējumu!",
        "rating_given": "Jūsu vērtējums: {rating} no 5",
        "rating_not_closed": (
            "Reklamācija vēl nav slēgta. Tās izskatīšanu varēsiet novērtēt pēc slēgšanas."
        ),
        "error_rating_choice": "Izvēlieties vērtējumu no 1 līdz 5.",
        "error_required": "Šis lauks ir obligāts.",
        "error_invalid": "Nederīga vērtība.",
        "error_invalid_email": "Ievadiet derīgu e-pasta adresi, piemēram, name@example.com.",
        "error_invalid_phone": "Ievadiet derīgu tālruņa numuru, piemēram, +371 2000 0000.",
        "error_invalid_date": "Ievadiet derīgu datumu.",
        "error_future_date": "Datums nevar būt nākotnē.",
        "error_too_long": Plural(
            "max_length",
            {
                "one": "Pārāk garš: ne vairāk kā {max_length} rakstzīme.",
                "other": "Pārāk garš: ne vairāk kā {max_length} rakstzīmes.",
            },
        ),
        "error_too_short": Plural(
            "min_length",
            {
                "one": "Pārāk īss: vismaz {min_length} rakstzīme.",
                "other": "Pārāk īss: vismaz {min_length} rakstzīmes.",
            },
        ),
        "error_invalid_choice": "Izvēlieties vienu no saraksta iespējām.",
        "error_too_many_files": Plural(
            "max_files",
            {
                "one": "Pievienojiet ne vairāk kā {max_files} failu.",
                "other": "Pievienojiet ne vairāk kā {max_files} failus.",
            },
        ),
        "error_file_too_large": "Fails {filename} ir lielāks par {max_mb} MB.",
        "error_file_type": "{filename}: šāda veida faili netiek pieņemti.",
        "error_csrf": (
            "Veidlapas derīgums ir beidzies vai tā nav nosūtīta no mūsu vietnes. "
            "Pārbaudiet datus un iesniedziet vēlreiz."
        ),
        "error_form_used": (
            "Šī veidlapa jau ir nosūtīta, un tās reklamācija ir reģistrēta. Lai iesniegtu "
            "vēl vienu, pārbaudiet datus un iesniedziet vēlreiz."
        ),
        "error_rate_limited": Plural(
            "minutes",
            {
                "one": "Pārāk daudz pieteikumu no jūsu adreses. Mēģiniet vēlreiz pēc {minutes} minūtes.",
                "other": "Pārāk daudz pieteikumu no jūsu adreses. Mēģiniet vēlreiz pēc {minutes} minūtēm.",
            },
        ),
        "footer": "Jautājumi? Atbildiet uz jebkuru mūsu vēstuli vai zvaniet klientu servisam.",
    },
    "bg": {
        "site_name": "Рекламации за продукти",
        "skip_to_content": "Към съдържанието",
        "language": "Език",
        "form_title": "Подаване на рекламация",
        "form_intro": (
            "Съобщете ни за дефект на изделие, закупено от нас. Регистрираме всяка рекламация "
            "веднага и отговаряме писмено в срок от 3 работни дни."
        ),
        "required_hint": "Полетата, отбелязани с *, са задължителни.",
        "section_contact": "Вашите данни за контакт",
        "section_product": "Изделието",
        "section_defect": "Дефектът",
        "customer_name": "Вашето име",
        "organisation": "Организация",
        "organisation_hint": "Ако сте закупили изделието за фирма.",
        "email": "Електронна поща",
        "email_hint": "На този адрес ще изпратим потвърждението и нашите писма.",
        "phone": "Телефон",
        "product_model": "Модел на изделието",
        "product_model_other": "Друг модел (не е в списъка)",
        "product_model_name": "Наименование на модела, както е посочено върху изделието",
        "product_model_name_hint": "Както е на табелката или в документите за покупка.",
        "product_model_choose": "Изберете модел…",
        "serial_number": "Фабричен номер",
        "serial_number_hint": "Посочен е на табелката на изделието.",
        "purchase_date": "Дата на покупка или на въвеждане в експлоатация",
        "description": "Какъв е проблемът?",
        "description_hint": "Какво се случи, кога и как е използвано или свързано изделието.",
        "photos": "Снимки",
        "photos_hint": Plural(
            "max_files",
            {
                "one": "До {max_files} файл, до {max_mb} MB: JPEG, PNG, WebP или PDF.",
                "other": "До {max_files} файла, до {max_mb} MB всеки: JPEG, PNG, WebP или PDF.",
            },
        ),
        "photos_reattach": (
            "Прикачените файлове не се запазват при корекция: моля, прикачете снимките отново."
        ),
        "honeypot": "Оставете това поле празно",
        "submit": "Изпращане на рекламацията",
        "form_has_errors": "Моля, коригирайте отбелязаните по-долу полета.",
        "submitted_title": "Вашата рекламация е регистрирана",
        "submitted_number": "Номер на рекламацията",
        "submitted_keep": "Моля, запазете този номер и го посочвайте, когато се свързвате с нас.",
        "next_steps_title": "Какво следва",
        "next_step_ack": (
            "В срок от 3 работни дни ще получите писмено потвърждение на адрес {email}."
        ),
        "next_step_specialist": (
            "Специалист от отдел „Контрол на качеството“ ще провери гаранцията и при "
            "необходимост ще поиска от Вас подробности или снимки."
        ),
        "next_step_design": (
            "Нашите конструктори ще установят причината за дефекта; ще Ви съобщим решението "
            "и следващите стъпки."
        ),
        "check_status_link": "Проверка на статуса на рекламация",
        "new_claim_link": "Подаване на нова рекламация",
        "status_title": "Статус на Вашата рекламация",
        "status_intro": "Въведете номера на рекламацията и адреса на електронната поща, който посочихте.",
        "claim_number": "Номер на рекламацията",
        "claim_number_hint": "Например CLM-2026-000123.",
        "status_submit": "Показване на статуса",
        "status_not_found": (
            "Не е намерена рекламация с такъв номер и адрес на електронна поща. Моля, "
            "проверете двете стойности и опитайте отново."
        ),
        "status_state": "Състояние",
        "status_received": "Получена",
        "status_letters": "Изпратени до Вас писма",
        "status_no_letters": "Все още няма писма.",
        "letter_number": "Номер",
        "letter_kind": "Писмо",
        "letter_issued": "Дата",
        "rating_title": "Доколко сте доволни от разглеждането на рекламацията?",
        "rating_intro": "Оценете го от 1 (изобщо не сте доволни) до 5 (напълно доволни).",
        "rating_label": "Вашата оценка",
        "rating_comment": "Коментар (по желание)",
        "rating_submit": "Изпращане на оценката",
        "rating_change": "Промяна на оценката",
        "rating_thanks": "Благодарим Ви за оценката.",
        "rating_given": "Вашата оценка: {rating} от 5",
        "rating_not_closed": (
            "Рекламацията все още не е приключена. Ще можете да оцените разглеждането ѝ след "
            "приключването."
        ),
        "error_rating_choice": "Изберете оценка от 1 до 5.",
        "error_required": "Това поле е задължително.",
        "error_invalid": "Невалидна стойност.",
        "error_invalid_email": "Въведете валиден адрес, например name@example.com.",
        "error_invalid_phone": "Въведете валиден телефонен номер, например +359 2 000 0000.",
        "error_invalid_date": "Въведете валидна дата.",
        "error_future_date": "Датата не може да бъде в бъдещето.",
        "error_too_long": "Твърде дълго: най-много {max_length} знака.",
        "error_too_short": "Твърде кратко: най-малко {min_length} знака.",
        "error_invalid_choice": "Изберете една от възможностите в списъка.",
        "error_too_many_files": Plural(
            "max_files",
            {
                "one": "Можете да прикачите най-много {max_files} файл.",
                "other": "Можете да прикачите най-много {max_files} файла.",
            },
        ),
        "error_file_too_large": "Файлът {filename} е по-голям от {max_mb} MB.",
        "error_file_type": "{filename}: този вид файл не се приема.",
        "error_csrf": (
            "Формулярът е изтекъл или не е изпратен от нашия сайт. "
            "Моля, проверете данните и го изпратете отново."
        ),
        "error_form_used": (
            "Този формуляр вече е изпратен и рекламацията е регистрирана. За да подадете "
            "нова, проверете данните и изпратете отново."
        ),
        "error_rate_limited": (
            "Твърде много заявки от Вашия адрес. Моля, опитайте отново след {minutes} мин."
        ),
        "footer": "Въпроси? Отговорете на някое от нашите писма или се обадете в отдела за обслужване.",
    },
}

# Claim states as the customer sees them: plain words, not the internal workflow names.
STATE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "new": "Registered",
        "awaiting_customer_info": "Waiting for information from you",
        "awaiting_payment_guarantee": "Waiting for your payment guarantee",
        "design_review": "Being examined by our engineers",
        "awaiting_customer_confirmation": "Waiting for your confirmation",
        "remedy": "Remedy being arranged",
        "field_service": "Our service technicians are coming to you",
        "awaiting_return": "Waiting for the product to be returned to us",
        "inspection": "Inspection",
        "repair": "Under repair",
        "replacement": "Replacement being prepared",
        "returned": "Returned to you",
        "disputed": "Under review (disputed)",
        "awaiting_withdrawal": "Waiting for your withdrawal of the claim",
        "closed": "Closed",
    },
    "ru": {
        "new": "Зарегистрирована",
        "awaiting_customer_info": "Ожидаем от вас информацию",
        "awaiting_payment_guarantee": "Ожидаем гарантию оплаты",
        "design_review": "На рассмотрении у конструкторов",
        "awaiting_customer_confirmation": "Ожидаем вашего подтверждения",
        "remedy": "Согласование устранения дефекта",
        "field_service": "Выезд сервисной службы",
        "awaiting_return": "Ожидаем возврата изделия на завод",
        "inspection": "Ревизия",
        "repair": "В ремонте",
        "replacement": "Готовится замена",
        "returned": "Возвращено вам",
        "disputed": "Спорная (на рассмотрении)",
        "awaiting_withdrawal": "Ожидаем снятия претензий",
        "closed": "Закрыта",
    },
    "lv": {
        "new": "Reģistrēta",
        "awaiting_customer_info": "Gaidām no jums informāciju",
        "awaiting_payment_guarantee": "Gaidām jūsu apmaksas garantiju",
        "design_review": "Izskata mūsu konstruktori",
        "awaiting_customer_confirmation": "Gaidām jūsu apstiprinājumu",
        "remedy": "Tiek saskaņota novēršana",
        "field_service": "Pie jums dodas mūsu servisa speciālisti",
        "awaiting_return": "Gaidām izstrādājuma atgriešanu rūpnīcā",
        "inspection": "Revīzija",
        "repair": "Remontā",
        "replacement": "Tiek gatavota nomaiņa",
        "returned": "Atgriezts jums",
        "disputed": "Strīdīga (tiek izskatīta)",
        "awaiting_withdrawal": "Gaidām pretenziju atsaukumu",
        "closed": "Slēgta",
    },
    "bg": {
        "new": "Регистрирана",
        "awaiting_customer_info": "Очакваме информация от Вас",
        "awaiting_payment_guarantee": "Очакваме гаранция за плащане",
        "design_review": "Разглежда се от конструкторите",
        "awaiting_customer_confirmation": "Очакваме Вашето потвърждение",
        "remedy": "Съгласуване на отстраняването на дефекта",
        "field_service": "Сервизно посещение",
        "awaiting_return": "Очакваме връщането на изделието в завода",
        "inspection": "Технически оглед",
        "repair": "В ремонт",
        "replacement": "Подготвя се замяна",
        "returned": "Върнато на Вас",
        "disputed": "Спорна (в процес на разглеждане)",
        "awaiting_withdrawal": "Очакваме оттегляне на претенциите",
        "closed": "Приключена",
    },
}

LETTER_KIND_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "acknowledgement": "Acknowledgement of receipt",
        "information_request": "Request for information",
        "paid_repair_offer": "Offer of paid repair",
        "explanation": "Explanation",
        "recommendations": "Recommendations",
        "service_visit": "Service visit",
        "return_instructions": "Return instructions",
        "inspection_act": "Inspection act",
        "replacement_offer": "Replacement offer",
        "repair_completed": "Repair completed",
        "rejection": "Decision: claim not upheld",
        "withdrawal_request": "Request to withdraw the claim",
        "closure": "Claim closed",
    },
    "ru": {
        "acknowledgement": "Подтверждение получения",
        "information_request": "Запрос информации",
        "paid_repair_offer": "Предложение платного ремонта",
        "explanation": "Разъяснение",
        "recommendations": "Рекомендации",
        "service_visit": "Выезд сервисной службы",
        "return_instructions": "Порядок возврата изделия",
        "inspection_act": "Акт ревизии",
        "replacement_offer": "Предложение замены",
        "repair_completed": "Ремонт выполнен",
        "rejection": "Решение: рекламация не удовлетворена",
        "withdrawal_request": "Просьба о снятии претензий",
        "closure": "Рекламация закрыта",
    },
    "lv": {
        "acknowledgement": "Saņemšanas apstiprinājums",
        "information_request": "Informācijas pieprasījums",
        "paid_repair_offer": "Maksas remonta piedāvājums",
        "explanation": "Paskaidrojums",
        "recommendations": "Ieteikumi",
        "service_visit": "Servisa izbraukums",
        "return_instructions": "Izstrādājuma atgriešanas kārtība",
        "inspection_act": "Revīzijas akts",
        "replacement_offer": "Nomaiņas piedāvājums",
        "repair_completed": "Remonts pabeigts",
        "rejection": "Lēmums: reklamācija nav apmierināta",
        "withdrawal_request": "Lūgums atsaukt pretenzijas",
        "closure": "Reklamācija slēgta",
    },
    "bg": {
        "acknowledgement": "Потвърждение за получаване",
        "information_request": "Искане на информация",
        "paid_repair_offer": "Предложение за платен ремонт",
        "explanation": "Разяснение",
        "recommendations": "Препоръки",
        "service_visit": "Сервизно посещение",
        "return_instructions": "Указания за връщане на изделието",
        "inspection_act": "Констативен протокол",
        "replacement_offer": "Предложение за замяна",
        "repair_completed": "Ремонтът е завършен",
        "rejection": "Решение: рекламацията не е уважена",
        "withdrawal_request": "Молба за оттегляне на претенциите",
        "closure": "Рекламацията е приключена",
    },
}


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """Language ranges of an Accept-Language header, best first (RFC 9110 section 12.5.4).

    Malformed entries are skipped rather than rejected: a browser's header is a hint.
    """
    if not header:
        return []
    ranges: list[tuple[int, str, float]] = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        tag = parts[0].lower()
        if not tag:
            continue
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if not 0.0 < quality <= 1.0:
            continue
        ranges.append((position, tag, quality))
    # Stable by quality, then by the order the client wrote them.
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(tag, quality) for _, tag, quality in ranges]


def negotiate_language(query_lang: str | None, accept_language: str | None) -> str:
    """The page language: an explicit `?lang=` wins, then Accept-Language, then English."""
    if query_lang:
        candidate = query_lang.strip().lower()
        if candidate in LANGUAGES:
            return candidate
    for tag, _ in parse_accept_language(accept_language):
        if tag == "*":
            return DEFAULT_LANGUAGE
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)` for one language; a missing key falls back to English, then the key."""
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE])
    fallback = MESSAGES[DEFAULT_LANGUAGE]

    def t(key: str, /, **values: object) -> str:
        message = table.get(key) or fallback.get(key) or key
        if isinstance(message, Plural):
            text = message.select(values.get(message.count), lang)
        else:
            text = message
        return text.format(**{k: _shown(v, lang) for k, v in values.items()}) if values else text

    return t


def _shown(value: object, lang: str) -> object:
    """Numbers in the language's way ("0,5", "10 000"); anything else as it is."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return l10n.format_decimal(value, lang)
    return value


def state_label(lang: str, state: str) -> str:
    labels = STATE_LABELS.get(lang, STATE_LABELS[DEFAULT_LANGUAGE])
    return labels.get(state) or STATE_LABELS[DEFAULT_LANGUAGE].get(state, state)


def letter_kind_label(lang: str, kind: str) -> str:
    labels = LETTER_KIND_LABELS.get(lang, LETTER_KIND_LABELS[DEFAULT_LANGUAGE])
    return labels.get(kind) or LETTER_KIND_LABELS[DEFAULT_LANGUAGE].get(kind, kind)
