"""The rating in a reply to the closure letter (app/mail/rating.py), in ru, lv, bg and en."""

import pytest

from app.mail.rating import parse_rating


@pytest.mark.parametrize(
    ("text", "rating", "comment"),
    [
        ("5", 5, None),
        ("4!", 4, None),
        (
            "5\nВсё отлично, спасибо за быстрый ремонт.",
            5,
            "Всё отлично, спасибо за быстрый ремонт.",
        ),
        ("5 - всё отлично", 5, "всё отлично"),
        ("3, долго ждали техника", 3, "долго ждали техника"),
        ("Оценка: 4\nРемонт занял две недели.", 4, "Ремонт занял две недели."),
        ("оценка 4", 4, None),
        ("Ставлю 5!", 5, None),
        ("Спасибо, оценка 5.", 5, "Спасибо, оценка 5."),
        ("Оцениваю на 4, но техник опоздал.", 4, "но техник опоздал."),
        ("5 из 5", 5, None),
        ("Здравствуйте!\n4/5, ремонт долгий", 4, "Здравствуйте!\nремонт долгий"),
        ("vērtējums 4", 4, None),
        ("Vērtējums – 5. Paldies!", 5, "Paldies!"),
        ("Novērtēju ar 3, remonts ilga mēnesi.", 3, "remonts ilga mēnesi."),
        ("4 no 5\nServiss bija laipns.", 4, "Serviss bija laipns."),
        ("vertejums: 2", 2, None),
        ("Оценка 5 от 5. Благодаря!", 5, "Благодаря!"),
        ("Оценявам с 4.", 4, None),
        ("Благодаря, оценявам с 4.", 4, "Благодаря, оценявам с 4."),
        ("5 от 5", 5, None),
        ("rating: 4", 4, None),
        ("Rating: 3 out of 5\nThe pump works now.", 3, "The pump works now."),
        ("4/5 - slow, but fixed", 4, "slow, but fixed"),
        ("Score 1. Nobody called us back.", 1, "Nobody called us back."),
        ("Good work, my rating is 5", 5, "Good work, my rating is 5"),
        ("Оценката е 5", 5, None),
        ("Mans vērtējums ir 4", 4, "Mans vērtējums ir 4"),
    ],
)
def test_reads_the_rating_and_keeps_the_rest_as_the_comment(text, rating, comment):
    found = parse_rating(text)
    assert found is not None
    assert (found.rating, found.comment) == (rating, comment)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thank you, everything works.",
        "no more than 2 working days",
        "The repair took no more than 2 working days.",
        "не более 2 рабочих дней",
        "2 рабочих дня — это долго",
        "ne vairāk kā 2 darba dienas",
        "не повече от 2 работни дни",
        "4.12.2026",
        "4/5/2026 приеду за насосом",
        "Ждём техника 04.12.2026",
        "3 из 5 насосов снова вышли из строя",
        "2 of 5 units failed again",
        "Serial BU7M-2024-00417 stopped again",
        "BU7M-2024-00417",
        "+371 5 123 4567",
        "5 123 4567",
        "Tel. 2 612 3456",
        "оценка 4.5",
        "оценка 45",
        "4. Насос шумит\n5. Течёт уплотнение",
        "1) насос шумит",
        "10/10",
        "45",
        "6",
        "0",
        "Здравствуйте,\nсерийный номер 4",
        "Line one\nline two\nline three\n5",
    ],
)
def test_refuses_numbers_that_are_not_a_rating(text):
    assert parse_rating(text) is None
