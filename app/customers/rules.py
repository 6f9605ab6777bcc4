"""Who may change what on a customer. Pure: no database, no FastAPI.

Specialists and heads keep the records; the key-customer flag changes whose signature a
customer's letters need, so only the head and the director set or clear it. A director may
therefore change that flag and nothing else.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.enums import Role

KEY_FLAG = "is_key_customer"
EDITORS: frozenset[Role] = frozenset({Role.specialist, Role.head})
KEY_FLAG_SETTERS: frozenset[Role] = frozenset({Role.head, Role.director})
# Who may send a PATCH at all; what it may carry is decided by `refusal`.
PATCHERS: frozenset[Role] = EDITORS | KEY_FLAG_SETTERS


@dataclass(frozen=True, slots=True)
class Refusal:
    fields: tuple[str, ...]
    required_roles: tuple[str, ...]

    @property
    def detail(self) -> str:
        return (
            f"Your key's roles may not change {', '.join(self.fields)}; "
            f"that needs one of: {', '.join(self.required_roles)}."
        )


def refusal(roles: frozenset[Role], fields: Iterable[str]) -> Refusal | None:
    """Why `roles` may not change `fields` (API field names), or None when they may.

    A field counts when the request carries it, whether or not the value differs: a specialist
    who sends the key flag at all is refused, so the rule does not depend on the stored value.
    """
    wanted = set(fields)
    key = wanted & {KEY_FLAG}
    if key and not roles & KEY_FLAG_SETTERS:
        return Refusal(tuple(sorted(key)), tuple(sorted(KEY_FLAG_SETTERS)))
    others = wanted - {KEY_FLAG}
    if others and not roles & EDITORS:
        return Refusal(tuple(sorted(others)), tuple(sorted(EDITORS)))
    return None


def merge_refusal(roles: frozenset[Role], *, sets_key_flag: bool) -> Refusal | None:
    """A merge is an editor's task; when it would make the surviving record a key customer (the
    duplicate was one, the target is not) it sets the flag too, so it takes a head."""
    if not roles & EDITORS:
        return Refusal(("duplicate_id",), tuple(sorted(EDITORS)))
    if sets_key_flag and not roles & EDITORS & KEY_FLAG_SETTERS:
        return Refusal((KEY_FLAG,), tuple(sorted(EDITORS & KEY_FLAG_SETTERS)))
    return None
