"""The sign-off lifecycle of a letter: pure, no I/O.

    draft ──submit──► pending_approval ──approve──► approved ──issue──► issued
      ▲                     │
      └──────reject─────────┘ (with a comment)

    issued | send_failed ──send──► sending ──(the gateway accepts)──► sent
                                      └─────(refused, or retries run out)──► send_failed
    issued | send_failed ──mark_sent_by_post──► sent

`sending` → `sent` or `send_failed` is the outbox worker's, not a caller's: an emailed letter
is sent only once the email gateway took it (`letters/delivery.py`). A `send_failed` letter may
be sent again (say, to a corrected address) or marked as sent by post.

Who may do what:
- `specialist` drafts, edits the draft's free-text parts and submits it;
- `head` approves or rejects, except letters to a key customer: those need the
  `director` (the director may approve any letter). Internal documents (the design
  memo, the proposal to production) are not addressed to the customer, so the key-customer
  rule does not apply; a proposal to recall units or stop output is the director's
  (`director=True`, kinds.director_signs);
- a deputy acting for the head or the director (`acting_for`) approves and rejects where
  the one they stand in for may;
- after approval a `specialist` or the `head` issues the letter (number, frozen PDF)
  and sends it by email or marks it as sent by post.
"""

from dataclasses import dataclass
from enum import StrEnum

from app.enums import LetterState, Role


class LetterAction(StrEnum):
    edit = "edit"
    submit = "submit"
    approve = "approve"
    reject = "reject"
    issue = "issue"
    send = "send"
    mark_sent_by_post = "mark_sent_by_post"


class LetterTransitionError(Exception):
    """Base of the lifecycle's refusals; `reason` is a sentence for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LetterStateConflict(LetterTransitionError):
    """The action exists but not from the letter's current state (HTTP 409)."""


class LetterRoleForbidden(LetterTransitionError):
    """The caller's roles do not allow the action on this letter (HTTP 403)."""


class LetterCommentRequired(LetterTransitionError):
    """A rejection must say why (HTTP 422)."""


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[LetterState]
    target: LetterState
    roles: frozenset[Role]


_ISSUERS = frozenset({Role.specialist, Role.head})
_APPROVERS = frozenset({Role.head, Role.director})
_SENDABLE = frozenset({LetterState.issued, LetterState.send_failed})


def _from(*states: LetterState) -> frozenset[LetterState]:
    return frozenset(states)


TRANSITIONS: dict[LetterAction, Transition] = {
    LetterAction.edit: Transition(
        _from(LetterState.draft), LetterState.draft, frozenset({Role.specialist})
    ),
    LetterAction.submit: Transition(
        _from(LetterState.draft), LetterState.pending_approval, frozenset({Role.specialist})
    ),
    LetterAction.approve: Transition(
        _from(LetterState.pending_approval), LetterState.approved, _APPROVERS
    ),
    LetterAction.reject: Transition(
        _from(LetterState.pending_approval), LetterState.draft, _APPROVERS
    ),
    LetterAction.issue: Transition(_from(LetterState.approved), LetterState.issued, _ISSUERS),
    LetterAction.send: Transition(_SENDABLE, LetterState.sending, _ISSUERS),
    LetterAction.mark_sent_by_post: Transition(_SENDABLE, LetterState.sent, _ISSUERS),
}


def approver_roles(
    *, key_customer: bool, internal: bool = False, director: bool = False
) -> frozenset[Role]:
    """Roles that may approve (and reject) a letter."""
    if director or (key_customer and not internal):
        return frozenset({Role.director})
    return _APPROVERS


def may_ever(action: LetterAction) -> frozenset[Role]:
    """Every role that may take `action` on some letter (the approvers of any letter for
    approve and reject): a caller with none of them is refused before anything is read."""
    if action in (LetterAction.approve, LetterAction.reject):
        return _APPROVERS
    return TRANSITIONS[action].roles


def _roles_for(
    action: LetterAction, *, key_customer: bool, internal: bool, director: bool = False
) -> frozenset[Role]:
    if action in (LetterAction.approve, LetterAction.reject):
        return approver_roles(key_customer=key_customer, internal=internal, director=director)
    return TRANSITIONS[action].roles


def effective_roles(
    action: LetterAction, roles: set[Role] | frozenset[Role], acting_for: Role | None
) -> frozenset[Role]:
    """The caller's roles for `action`: a deputy stands in for approval only."""
    if acting_for is not None and action in (LetterAction.approve, LetterAction.reject):
        return frozenset(roles) | {acting_for}
    return frozenset(roles)


def allowed_actions(
    state: LetterState,
    roles: set[Role] | frozenset[Role],
    *,
    key_customer: bool,
    internal: bool = False,
    acting_for: Role | None = None,
    director: bool = False,
) -> list[LetterAction]:
    """Actions the holder of `roles` may take on a letter in `state`, in lifecycle order."""
    return [
        action
        for action, t in TRANSITIONS.items()
        if state in t.sources
        and effective_roles(action, roles, acting_for)
        & _roles_for(action, key_customer=key_customer, internal=internal, director=director)
    ]


def apply(
    state: LetterState,
    action: LetterAction,
    roles: set[Role] | frozenset[Role],
    *,
    key_customer: bool,
    internal: bool = False,
    comment: str | None = None,
    acting_for: Role | None = None,
    director: bool = False,
) -> LetterState:
    """The letter's state after `action`, or a LetterTransitionError saying why not.

    The state is checked before the role, so "already issued" wins over "not yours".
    """
    t = TRANSITIONS[action]
    if state not in t.sources:
        doing, now = (x.value.replace("_", " ") for x in (action, state))
        needed = " or ".join(sorted(s.value.replace("_", " ") for s in t.sources))
        raise LetterStateConflict(f"cannot {doing} a letter that is {now} (only from {needed})")
    permitted = _roles_for(action, key_customer=key_customer, internal=internal, director=director)
    roles = effective_roles(action, roles, acting_for)
    if not roles & permitted:
        approving = action in (LetterAction.approve, LetterAction.reject)
        if Role.head in roles and approving and director and not (key_customer and not internal):
            raise LetterRoleForbidden(
                "a proposal to recall units or stop output is approved by the director, "
                "not the head of department"
            )
        if Role.head in roles and approving:
            # Only reachable for a key customer: otherwise the head is a permitted approver.
            raise LetterRoleForbidden(
                "letters to a key customer are approved by the director, not the head of department"
            )
        raise LetterRoleForbidden(
            f"{action.value.replace('_', ' ')} requires one of the roles: "
            f"{', '.join(sorted(r.value for r in permitted))}"
        )
    if action is LetterAction.reject and not (comment or "").strip():
        raise LetterCommentRequired("a rejection needs a comment for the specialist")
    return t.target
