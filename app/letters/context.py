"""What a letter template may read: plain frozen dataclasses, no ORM objects.

Templates see `letter`, `claim`, `customer`, `company`, `signatory`, `executor`,
`fields`, `enclosures`, `act` (an inspection act's record), `lang` and `addressing` (the
salutation and addressee block in the letter's language, made by render.py from `addressee`).
A corrective action's letter has `corrective` and no claim; a supplier claim's letter has
`supplier_claim`, no claim, and the supplier as `customer`; `reference` is their number.
Building these from the database rows is the service's job; rendering never touches the
database, so a preview and the frozen copy at issue are produced by exactly the same code.
"""

from dataclasses import dataclass, field
from datetime import date

from app.enums import LetterKind
from app.letters.addressing import Addressee


@dataclass(frozen=True, slots=True)
class Company:
    """The letterhead. Comes from settings, never from templates."""

    name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    website: str = ""
    registration: str = ""
    # Place of issue printed next to the date ("Riga", "Rīga", "Рига").
    city: str = ""


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    title: str


@dataclass(frozen=True, slots=True)
class Executor:
    """The specialist handling the claim, printed at the foot as the contact person."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    contact_person: str | None = None
    address_lines: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None
    is_key: bool = False
    # A private person gets a personal salutation, an organisation a collective one.
    is_organisation: bool = True


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    number: str
    received_on: date
    # The model's code and name; either may be unknown when the customer did not say.
    product_model: str | None
    serial_number: str | None
    defect_description: str
    product_name: str | None = None
    customer_reference: str | None = None
    sale_date: date | None = None
    warranty_until: date | None = None
    resolution: str | None = None
    # What the workflow recorded (codes): the templates state a finding only when it is here.
    warranty_status: str | None = None
    defect_cause: str | None = None
    cost_bearer: str | None = None
    # A real closure (closed, and not as a duplicate of another claim) asks for a rating; the
    # status page's link for it, when CLAIMS_WEB_PUBLIC_URL says where the pages are.
    invite_rating: bool = False
    status_url: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """One member of an act's commission."""

    name: str
    position: str | None = None


@dataclass(frozen=True, slots=True)
class ActInfo:
    """The inspection act as the workflow recorded it: the commission by side, and what it
    established. Codes (culpability) are printed by the templates in the act's language."""

    number: str | None
    inspected_on: date
    place: str | None
    ours: tuple[Member, ...]
    theirs: tuple[Member, ...]
    culpability: str | None = None


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A containment, corrective or preventive action of a corrective action (codes)."""

    kind: str
    description: str
    owner: str | None = None
    due_date: date | None = None
    status: str = "planned"


@dataclass(frozen=True, slots=True)
class CorrectiveInfo:
    """A corrective action as recorded: the problem (D2), root cause (D4) and actions."""

    number: str
    title: str
    product_model: str | None = None
    product_name: str | None = None
    batch: str | None = None
    claims_count: int | None = None
    first_date: date | None = None
    last_date: date | None = None
    serial_first: str | None = None
    serial_last: str | None = None
    units_sold: int | None = None
    root_cause: str | None = None
    root_cause_category: str | None = None
    tasks: tuple[TaskInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class SupplierClaimInfo:
    """A claim against a supplier as recorded; the amount already written in the letter's
    language."""

    number: str
    component: str
    defect_description: str
    supplier_reference: str | None = None
    claim_numbers: tuple[str, ...] = ()
    first_date: date | None = None
    last_date: date | None = None
    amount_claimed: str | None = None


@dataclass(frozen=True, slots=True)
class LetterInfo:
    kind: LetterKind
    date: date
    # None until issued: drafts and previews show a "draft" marker instead.
    number: str | None = None
    # Signed at issue: the layout reserves the visible signature's box (pdf.py finds it).
    signed: bool = False


@dataclass(frozen=True, slots=True)
class LetterContext:
    letter: LetterInfo
    # None for a letter of a corrective action or a supplier claim.
    claim: ClaimInfo | None
    customer: Customer | None
    company: Company
    signatory: Signatory
    executor: Executor | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    # The file names of what goes with the letter, listed at its end.
    enclosures: tuple[str, ...] = ()
    # The recorded act, for an inspection act; None for every other kind.
    act: ActInfo | None = None
    # Whom the letter addresses (addressing.py); None: taken from `customer`.
    addressee: Addressee | None = None
    # The number the letter is about, printed in its running footer: the claim's by default.
    reference: str | None = None
    corrective: CorrectiveInfo | None = None
    supplier_claim: SupplierClaimInfo | None = None
