"""From database rows and settings to a template context, and back to an API view.

Kept apart from the use cases (service.py) so that a preview and the frozen
copy at issue are built by exactly the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from app import l10n
from app.auth.principal import Principal
from app.config import Settings, in_language
from app.enums import ClaimState, LetterKind, LetterState, Resolution, Role
from app.letters import enclosures
from app.letters.addressing import Addressee
from app.letters.context import (
    ActInfo,
    ClaimInfo,
    Company,
    Customer,
    Executor,
    LetterContext,
    LetterInfo,
    Member,
    Signatory,
)
from app.letters.kinds import (
    INTERNAL_KINDS,
    director_signs,
    editable_fields,
    missing_fields,
    normalize_fields,
)
from app.letters.lifecycle import allowed_actions, approver_roles
from app.letters.subjects import (
    Subject,
    corrective_info,
    supplier_addressee,
    supplier_as_customer,
    supplier_claim_info,
)
from app.models.claims import Claim
from app.models.customers import Contact, CustomerKind
from app.models.customers import Customer as CustomerRow
from app.models.letters import Letter, LetterLinks, LetterRead
from app.models.reference import ProductModel, Unit
from app.models.system import ApiKey
from app.models.workflow_records import InspectionAct
from app.phones import for_print
from app.workdays import local_date


@dataclass(slots=True)
class LetterBundle:
    """A letter with the rows its rendering needs, loaded in one query. A claim's letter has
    the claim's rows; a corrective action's or a supplier claim's has `subject` instead."""

    letter: Letter
    claim: Claim | None
    customer: CustomerRow | None
    contact: Contact | None
    unit: Unit | None
    model: ProductModel | None
    # The claim owner's key (name, phone) for the executor line; loaded by the caller.
    owner: ApiKey | None = None
    # The act an inspection act letter prints (the newest recorded on the claim); loaded by
    # the caller for that kind only.
    act: InspectionAct | None = None
    # The key of whoever approved the letter: they sign it; loaded by the caller.
    approver: ApiKey | None = None
    subject: Subject | None = None

    def __post_init__(self) -> None:
        # String columns come back as str: make them the enums again, without marking the
        # row as changed.
        letter = self.letter
        set_committed_value(letter, "kind", LetterKind(letter.kind))
        set_committed_value(letter, "state", LetterState(letter.state))

    @property
    def internal(self) -> bool:
        return self.letter.kind in INTERNAL_KINDS

    @property
    def key_customer(self) -> bool:
        return bool(self.customer is not None and self.customer.is_key_customer)

    @property
    def director(self) -> bool:
        """Approved by the director whatever the addressee (kinds.director_signs)."""
        return director_signs(self.letter.kind, self.letter.fields)

    @property
    def reference(self) -> str:
        """The number of what the letter is about: the claim's, corrective action's or
        supplier claim's."""
        if self.claim is not None:
            return self.claim.number
        assert self.subject is not None
        return self.subject.number

    def approvers(self) -> frozenset[Role]:
        return approver_roles(
            key_customer=self.key_customer, internal=self.internal, director=self.director
        )


def letterhead(settings: Settings, lang: str) -> Company:
    """The company as a letter in `lang` names it: a Latvian letter reads the Latvian name and
    address, not the Russian ones (each falls back as `in_language` says)."""
    return Company(
        name=in_language(settings.letter_company_name, lang) or "",
        address_lines=tuple(in_language(settings.letter_company_address, lang) or ()),
        phone=settings.letter_company_phone,
        email=settings.letter_company_email,
        website=settings.letter_company_website,
        registration=in_language(settings.letter_company_registration, lang) or "",
        city=in_language(settings.letter_company_city, lang) or "",
    )


def _title(titles: dict[str, str], lang: str) -> str:
    return in_language(titles, lang) or ""


def signatory(b: LetterBundle, settings: Settings) -> Signatory:
    """The person who approved the letter signs it: their name and title per language from
    their key's profile, the settings' name and title of their role where it is empty. A deputy
    signs with their own name under the acting title ("И. о. …", "… p.i.").

    Before approval the letter shows who will sign: the director for a key customer, else the
    head of the quality department."""
    lang, letter = b.letter.language, b.letter
    if letter.approver_role is not None:
        director = letter.approver_role == Role.director
    else:
        director = (b.key_customer and not b.internal) or b.director
    if director:
        name, titles = settings.letter_director_name, settings.letter_director_title
        acting_titles = settings.letter_director_acting_title
    else:
        name, titles = settings.letter_head_name, settings.letter_head_title
        acting_titles = settings.letter_head_acting_title
    person = b.approver if letter.approved_by else None
    if letter.approver_acting:
        own_name = person.full_name if person and person.full_name else letter.approved_by
        return Signatory(own_name or name, _title(acting_titles, lang))
    if person is None:
        return Signatory(name, _title(titles, lang))
    # Only the letter's own language: a Latvian letter never borrows a Russian title.
    own_title = (person.titles or {}).get(lang)
    return Signatory(person.full_name or name, own_title or _title(titles, lang))


def _customer(row: CustomerRow, contact: Contact | None, lang: str) -> Customer:
    return Customer(
        name=row.name,
        contact_person=contact.name if contact else None,
        address_lines=address_lines(row, lang),
        email=contact.email if contact else None,
        phone=for_print(contact.phone) if contact and contact.phone else None,
        is_key=row.is_key_customer,
        is_organisation=row.kind == CustomerKind.organisation,
    )


def addressee(row: CustomerRow, contact: Contact | None) -> Addressee:
    organisation = row.kind == CustomerKind.organisation
    if contact is None:
        # A private person is their own contact, even before a contact row exists.
        return Addressee(organisation=row.name) if organisation else Addressee(name=row.name)
    return Addressee(
        organisation=row.name if organisation else None,
        name=contact.name,
        given_name=contact.given_name,
        patronymic=contact.patronymic,
        surname=contact.surname,
        position=contact.position,
        gender=contact.gender,
    )


def address_lines(row: CustomerRow, lang: str) -> tuple[str, ...]:
    """Street; postcode and city; country, named in the letter's language: the order every one
    of our languages writes."""
    town = " ".join(part for part in (row.postcode, row.city) if part)
    country = l10n.country_name(row.country, lang) if row.country else None
    return tuple(line for line in (row.street, town, country) if line)


def executor(owner: ApiKey | None) -> Executor | None:
    """The claim's owner, printed at the foot as the person to contact."""
    if owner is None:
        return None
    phone = for_print(owner.phone) if owner.phone else ""
    return Executor(name=owner.full_name or owner.name, phone=phone, email=owner.email or "")


def _claim(b: LetterBundle, settings: Settings) -> ClaimInfo:
    claim, model, unit = b.claim, b.model, b.unit
    assert claim is not None
    # The catalogue's name in the letter's language, so a Latvian letter names a Latvian model.
    name = ((model.names or {}).get(b.letter.language) or model.name) if model else None
    code = model.code if model else claim.reported_model
    if name and code and code in name:
        code = None  # "Circulation pump PMP-200" already names the model
    return ClaimInfo(
        number=claim.number,
        received_on=local_date(claim.received_at, settings),
        product_model=code,
        product_name=name,
        serial_number=unit.serial_number if unit else claim.reported_serial,
        defect_description=claim.defect_statement or claim.defect_description,
        customer_reference=claim.external_reference,
        sale_date=(unit.sale_date if unit and unit.sale_date else claim.purchase_date),
        warranty_until=claim.warranty_end_date,
        resolution=claim.resolution,
        warranty_status=claim.warranty_status,
        defect_cause=claim.defect_cause,
        cost_bearer=claim.cost_bearer,
        invite_rating=rating_invited(claim.state, claim.resolution),
        status_url=status_url(settings, claim.number, b.letter.language),
    )


# Closed as a duplicate: the customer's case is handled on the other claim, which asks.
NOT_RATED = frozenset({Resolution.duplicate})


def rating_invited(state: str, resolution: str | None) -> bool:
    """Whether a closure letter asks the customer to rate the handling."""
    return state == ClaimState.closed and resolution is not None and resolution not in NOT_RATED


def status_url(settings: Settings, number: str, lang: str) -> str | None:
    """The claim's public status page, in the letter's language, for letters to link."""
    base = settings.web_public_url.strip().rstrip("/")
    return f"{base}/claim-status?lang={lang}&number={number}" if base else None


def _members(people: list[dict[str, Any]] | None) -> tuple[Member, ...]:
    return tuple(
        Member(name=str(p["name"]), position=p.get("position") or None)
        for p in people or []
        if p.get("name")
    )


def act_info(act: InspectionAct | None) -> ActInfo | None:
    if act is None:
        return None
    return ActInfo(
        number=act.act_number or None,
        inspected_on=act.inspected_on,
        place=act.place,
        ours=_members(act.our_participants),
        theirs=_members(act.customer_participants),
        culpability=act.culpability,
    )


def build_context(
    b: LetterBundle,
    settings: Settings,
    *,
    number: str | None,
    letter_date: date,
    signed: bool = False,
) -> LetterContext:
    if b.subject is not None:
        return _subject_context(b, settings, number=number, letter_date=letter_date, signed=signed)
    assert b.customer is not None
    return LetterContext(
        letter=LetterInfo(
            kind=b.letter.kind,
            date=letter_date,
            number=number,
            signed=number is not None and signed,
        ),
        claim=_claim(b, settings),
        customer=_customer(b.customer, b.contact, b.letter.language),
        company=letterhead(settings, b.letter.language),
        signatory=signatory(b, settings),
        executor=executor(b.owner),
        fields=dict(b.letter.fields or {}),
        enclosures=enclosures.names(b.letter.enclosures),
        act=act_info(b.act) if b.letter.kind is LetterKind.inspection_act else None,
        addressee=addressee(b.customer, b.contact),
    )


def _subject_context(
    b: LetterBundle, settings: Settings, *, number: str | None, letter_date: date, signed: bool
) -> LetterContext:
    subject, lang = b.subject, b.letter.language
    assert subject is not None
    supplier = subject.supplier_claim is not None
    return LetterContext(
        letter=LetterInfo(
            kind=b.letter.kind,
            date=letter_date,
            number=number,
            signed=number is not None and signed,
        ),
        claim=None,
        customer=supplier_as_customer(subject, lang) if supplier else None,
        company=letterhead(settings, lang),
        signatory=signatory(b, settings),
        executor=executor(b.owner),
        fields=dict(b.letter.fields or {}),
        enclosures=enclosures.names(b.letter.enclosures),
        # The memo prints its own addressee; the layouts still read `addressing`.
        addressee=supplier_addressee(subject) if supplier else Addressee(organisation=""),
        reference=subject.number,
        corrective=corrective_info(subject, lang) if subject.corrective else None,
        supplier_claim=supplier_claim_info(subject, lang) if supplier else None,
    )


def letter_read(b: LetterBundle, principal: Principal | None) -> LetterRead:
    letter = b.letter
    assert letter.id is not None
    base = f"/api/v1/letters/{letter.id}"
    frozen = letter.pdf_path is not None
    fields: dict[str, Any] = normalize_fields(letter.kind, letter.fields)
    roles = principal.roles if principal else frozenset()
    return LetterRead(
        id=letter.id,
        claim_number=b.claim.number if b.claim else None,
        corrective_action_number=(b.subject.number if b.subject and b.subject.corrective else None),
        supplier_claim_number=(
            b.subject.number if b.subject and b.subject.supplier_claim else None
        ),
        kind=letter.kind,
        language=letter.language,
        state=letter.state,
        number=letter.number if letter.issued_at else None,
        letter_date=letter.letter_date if letter.issued_at else None,
        subject=letter.subject,
        fields=fields,
        editable_fields=list(editable_fields(letter.kind)),
        missing_fields=missing_fields(letter.kind, fields),
        key_customer=b.key_customer,
        approver_roles=sorted(b.approvers()),
        allowed_actions=[
            a.value
            for a in allowed_actions(
                letter.state,
                roles,
                key_customer=b.key_customer,
                internal=b.internal,
                acting_for=principal.acting_for if principal else None,
                director=b.director,
            )
        ],
        created_by=letter.created_by,
        created_at=letter.created_at,
        updated_at=letter.updated_at,
        submitted_by=letter.submitted_by,
        submitted_at=letter.submitted_at,
        approved_by=letter.approved_by,
        approver_role=letter.approver_role,
        approver_acting=bool(letter.approver_acting),
        approved_at=letter.approved_at,
        rejected_by=letter.rejected_by,
        rejection_comment=letter.rejection_comment,
        issued_by=letter.issued_by,
        issued_at=letter.issued_at,
        sha256=letter.sha256,
        html_sha256=letter.html_sha256,
        signatory_name=letter.signatory_name,
        signatory_title=letter.signatory_title,
        signed=letter.signer is not None,
        signer=letter.signer,
        signed_at=letter.signed_at,
        sent_by=letter.sent_by,
        sent_at=letter.sent_at,
        send_channel=letter.send_channel,
        sent_to=letter.sent_to,
        attachments=enclosures.read(letter.enclosures),
        gateway_message_id=letter.gateway_message_id,
        send_error=letter.send_error,
        version=letter.version,
        links=LetterLinks(
            self=base,
            preview_html=f"{base}/preview.html",
            preview_pdf=f"{base}/preview.pdf",
            html=f"{base}/html" if frozen else None,
            pdf=f"{base}/pdf" if frozen else None,
            signature=f"{base}/signature" if frozen else None,
        ),
    )
