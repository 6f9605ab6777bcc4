"""The registers a document is numbered in: outgoing letters, internal memos and acts.

Pure. Each register has its own gap-free series per year (a counter row named after it,
claims/numbering.py) and its own format from settings. An act that was recorded with a
number of its own (the workflow's act record, "АО-117/2026") keeps it and takes nothing
from the acts register.
"""

from enum import StrEnum

from app.config import Settings
from app.enums import LetterKind


class Register(StrEnum):
    # "letter" is also the counter name the outgoing register has always used.
    letter = "letter"
    memo = "memo"
    act = "act"


_REGISTER_OF: dict[LetterKind, Register] = {
    LetterKind.design_memo: Register.memo,
    LetterKind.production_proposal: Register.memo,
    LetterKind.inspection_act: Register.act,
}


def register_of(kind: LetterKind) -> Register:
    return _REGISTER_OF.get(kind, Register.letter)


def number_format(register: Register, settings: Settings) -> str:
    return {
        Register.letter: settings.register_letter_format,
        Register.memo: settings.register_memo_format,
        Register.act: settings.register_act_format,
    }[register]


def format_number(pattern: str, *, year: int, seq: int) -> str:
    """`pattern` was checked when the settings were loaded (config.py)."""
    return pattern.format(year=year, seq=seq)
