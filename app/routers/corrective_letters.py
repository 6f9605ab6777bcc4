"""Letters drafted from a corrective action (the proposal to production) and from a supplier
claim (the claim to the supplier). Their sign-off, issue and sending are the letters' own
endpoints under /api/v1/letters/{id}."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.auth.principal import Principal
from app.deps import AnyPrincipal, SessionDep, SettingsDep, etag, require
from app.enums import Role
from app.errors import problem_responses
from app.letters import subject_letters
from app.models.letters import LetterRead, ProductionProposalCreate, SupplierClaimLetterCreate

router = APIRouter(tags=["letters"])

CorrectiveNumber = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Corrective action number, e.g. CA-2026-000007",
    ),
]
SupplierClaimNumber = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Supplier claim number, e.g. SC-2026-000003",
    ),
]
Drafter = Annotated[Principal, Depends(require(Role.specialist, Role.head))]


def _created(response: Response, letter: LetterRead) -> LetterRead:
    response.headers["Location"] = letter.links.self
    response.headers["ETag"] = etag(letter.version)
    return letter


@router.post(
    "/api/v1/corrective-actions/{ca_number}/letters",
    status_code=status.HTTP_201_CREATED,
    response_model=LetterRead,
    summary="Draft a proposal to production",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_corrective_letter(
    ca_number: CorrectiveNumber,
    data: ProductionProposalCreate,
    principal: Drafter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> LetterRead:
    """Draft the internal memo to the production or technical director from the corrective
    action (specialist or head). Numbered in the memo register at issue; a recall or a stop of
    output is approved by the director, anything else by the head."""
    letter = await subject_letters.create_proposal(
        session, number=ca_number, data=data, principal=principal, settings=settings
    )
    return _created(response, letter)


@router.get(
    "/api/v1/corrective-actions/{ca_number}/letters",
    response_model=list[LetterRead],
    summary="List a corrective action's letters",
    responses=problem_responses(401, 403, 404),
)
async def list_corrective_letters(
    ca_number: CorrectiveNumber, principal: AnyPrincipal, session: SessionDep
) -> list[LetterRead]:
    """All letters of the corrective action, oldest first."""
    return await subject_letters.list_corrective_letters(
        session, number=ca_number, principal=principal
    )


@router.post(
    "/api/v1/supplier-claims/{sc_number}/letters",
    status_code=status.HTTP_201_CREATED,
    response_model=LetterRead,
    summary="Draft the claim letter to the supplier",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_supplier_claim_letter(
    sc_number: SupplierClaimNumber,
    data: SupplierClaimLetterCreate,
    principal: Drafter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> LetterRead:
    """Draft the formal claim to the supplier in the supplier's language, addressed to the
    supplier claim's contact, enclosing its evidence (specialist or head; the head approves).
    Once the letter is sent (the gateway took it) or marked as posted, a draft supplier claim
    becomes `sent`."""
    letter = await subject_letters.create_supplier_letter(
        session, number=sc_number, data=data, principal=principal, settings=settings
    )
    return _created(response, letter)


@router.get(
    "/api/v1/supplier-claims/{sc_number}/letters",
    response_model=list[LetterRead],
    summary="List a supplier claim's letters",
    responses=problem_responses(401, 403, 404),
)
async def list_supplier_claim_letters(
    sc_number: SupplierClaimNumber, principal: AnyPrincipal, session: SessionDep
) -> list[LetterRead]:
    """All letters of the supplier claim, oldest first."""
    return await subject_letters.list_supplier_letters(
        session, number=sc_number, principal=principal
    )
