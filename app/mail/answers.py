"""Who may answer for the customer: how an email that continues a claim is filed.

- Mail from the company's own domains (CLAIMS_COMPANY_EMAIL_DOMAINS) is an internal note,
  never the customer's answer: the design department replying to a memo sent with
  `Reply-To: claims+CLM-…` must not resume a claim waiting for the customer.
- Mail from anyone who is not among the contacts of the claim's customer is filed for review
  and changes nothing: whoever knows a claim number (or holds one of our Message-IDs) could
  otherwise answer for the customer, down to the written withdrawal that closes the claim.
- Mail from a contact on a closed claim is filed for review too: it may be a new complaint,
  to be handled by reopening the claim (the head's `reopen` action) or by opening a new claim
  linked to it.

Pure: the caller looks up whether the sender is a contact.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from app.enums import ClaimState
from app.models.claims import MessageDirection, ReviewReason
from app.models.email_intake import InboundOutcome


@dataclass(frozen=True, slots=True)
class Filing:
    direction: MessageDirection
    review: ReviewReason | None
    outcome: InboundOutcome


CUSTOMER = Filing(MessageDirection.inbound, None, InboundOutcome.threaded)
INTERNAL = Filing(MessageDirection.internal, None, InboundOutcome.internal)


def is_company_address(address: str, domains: Collection[str]) -> bool:
    """Whether `address` is at one of `domains` or a subdomain of one."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in domains)


def filing_for(*, company: bool, contact: bool, state: ClaimState) -> Filing:
    """How a threaded email from a company address (`company`), or from one of the
    customer's contacts (`contact`), is filed on a claim in `state`."""
    if company:
        return INTERNAL
    if not contact:
        return Filing(MessageDirection.inbound, ReviewReason.unknown_sender, InboundOutcome.review)
    if state == ClaimState.closed:
        return Filing(MessageDirection.inbound, ReviewReason.closed_claim, InboundOutcome.review)
    return CUSTOMER
