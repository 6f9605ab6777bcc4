"""The letter sign-off lifecycle: every (state, action, role) combination."""

import itertools

import pytest

from app.enums import LetterState, Role
from app.letters.lifecycle import (
    TRANSITIONS,
    LetterAction,
    LetterCommentRequired,
    LetterRoleForbidden,
    LetterStateConflict,
    allowed_actions,
    apply,
    approver_roles,
)

A, S = LetterAction, LetterState


def test_happy_path_regular_customer():
    state = S.draft
    state = apply(state, A.edit, {Role.specialist}, key_customer=False)
    assert state is S.draft
    state = apply(state, A.submit, {Role.specialist}, key_customer=False)
    assert state is S.pending_approval
    state = apply(state, A.approve, {Role.head}, key_customer=False)
    assert state is S.approved
    state = apply(state, A.issue, {Role.specialist}, key_customer=False)
    assert state is S.issued
    # Sending is asked for; the gateway's acceptance (the worker) makes it `sent`.
    state = apply(state, A.send, {Role.specialist}, key_customer=False)
    assert state is S.sending


def test_key_customer_needs_the_director():
    with pytest.raises(LetterRoleForbidden, match="director"):
        apply(S.pending_approval, A.approve, {Role.head}, key_customer=True)
    with pytest.raises(LetterRoleForbidden, match="director"):
        apply(S.pending_approval, A.reject, {Role.head}, key_customer=True, comment="no")
    assert apply(S.pending_approval, A.approve, {Role.director}, key_customer=True) is S.approved
    assert approver_roles(key_customer=True) == {Role.director}


def test_director_may_approve_any_letter_and_internal_memo_ignores_key_rule():
    assert apply(S.pending_approval, A.approve, {Role.director}, key_customer=False) is S.approved
    assert (
        apply(S.pending_approval, A.approve, {Role.head}, key_customer=True, internal=True)
        is S.approved
    )


def test_specialist_cannot_approve():
    with pytest.raises(LetterRoleForbidden, match="director, head"):
        apply(S.pending_approval, A.approve, {Role.specialist}, key_customer=False)
    with pytest.raises(LetterRoleForbidden, match="requires one of the roles: director$"):
        apply(S.pending_approval, A.approve, {Role.specialist}, key_customer=True)


def test_reject_returns_to_draft_and_needs_a_comment():
    with pytest.raises(LetterCommentRequired):
        apply(S.pending_approval, A.reject, {Role.head}, key_customer=False, comment="  ")
    assert (
        apply(S.pending_approval, A.reject, {Role.head}, key_customer=False, comment="fix tone")
        is S.draft
    )


def test_cannot_send_before_issue():
    for state in (S.draft, S.pending_approval, S.approved):
        for action in (A.send, A.mark_sent_by_post):
            with pytest.raises(LetterStateConflict, match="only from issued or send failed"):
                apply(state, action, {Role.head}, key_customer=False)


def test_issued_and_sent_letters_are_frozen():
    for state in (S.issued, S.sending, S.sent, S.send_failed):
        for action in (A.edit, A.submit, A.approve, A.reject, A.issue):
            with pytest.raises(LetterStateConflict):
                apply(
                    state, action, {Role.head, Role.director, Role.specialist}, key_customer=False
                )


def test_state_conflict_is_reported_before_role():
    with pytest.raises(LetterStateConflict):
        apply(S.issued, A.approve, {Role.auditor}, key_customer=False)


def test_head_cannot_edit_or_submit_and_auditor_can_do_nothing():
    for action in (A.edit, A.submit):
        with pytest.raises(LetterRoleForbidden):
            apply(S.draft, action, {Role.head}, key_customer=False)
    for state in S:
        assert allowed_actions(state, {Role.auditor}, key_customer=False) == []
        assert allowed_actions(state, {Role.design}, key_customer=True) == []


def test_allowed_actions_table():
    spec, head, director = {Role.specialist}, {Role.head}, {Role.director}
    assert allowed_actions(S.draft, spec, key_customer=False) == [A.edit, A.submit]
    assert allowed_actions(S.pending_approval, spec, key_customer=False) == []
    assert allowed_actions(S.pending_approval, head, key_customer=False) == [A.approve, A.reject]
    assert allowed_actions(S.pending_approval, head, key_customer=True) == []
    assert allowed_actions(S.pending_approval, director, key_customer=True) == [A.approve, A.reject]
    assert allowed_actions(S.approved, director, key_customer=True) == []
    assert allowed_actions(S.approved, head, key_customer=True) == [A.issue]
    assert allowed_actions(S.issued, spec, key_customer=False) == [A.send, A.mark_sent_by_post]
    assert allowed_actions(S.sent, spec | head | director, key_customer=False) == []
    # While the gateway has it nobody sends it twice; once it failed, again or by post.
    assert allowed_actions(S.sending, spec | head | director, key_customer=False) == []
    assert allowed_actions(S.send_failed, head, key_customer=False) == [
        A.send,
        A.mark_sent_by_post,
    ]


def test_a_failed_send_may_be_tried_again_or_posted():
    assert apply(S.send_failed, A.send, {Role.specialist}, key_customer=False) is S.sending
    assert apply(S.send_failed, A.mark_sent_by_post, {Role.head}, key_customer=False) is S.sent
    with pytest.raises(LetterStateConflict, match="cannot send a letter that is sending"):
        apply(S.sending, A.send, {Role.head}, key_customer=False)


@pytest.mark.parametrize(
    ("state", "action", "role", "key"),
    list(itertools.product(S, A, Role, (False, True))),
)
def test_apply_agrees_with_allowed_actions(state, action, role, key):
    """Exhaustive: apply succeeds exactly when allowed_actions lists the action."""
    allowed = action in allowed_actions(state, {role}, key_customer=key)
    if allowed:
        assert (
            apply(state, action, {role}, key_customer=key, comment="c")
            is TRANSITIONS[action].target
        )
    else:
        with pytest.raises((LetterStateConflict, LetterRoleForbidden)):
            apply(state, action, {role}, key_customer=key, comment="c")
