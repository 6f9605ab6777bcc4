"""The tables the report queries read: the model tables, as SQLAlchemy Core."""

from sqlalchemy import Table

from app.models.claims import Claim
from app.models.reference import ProductModel, Unit
from app.models.reports import ClaimCost
from app.models.satisfaction import ClaimRating
from app.models.suppliers import Supplier, SupplierClaim

claims: Table = Claim.__table__  # type: ignore[attr-defined]
product_models: Table = ProductModel.__table__  # type: ignore[attr-defined]
units: Table = Unit.__table__  # type: ignore[attr-defined]
claim_costs: Table = ClaimCost.__table__  # type: ignore[attr-defined]
claim_ratings: Table = ClaimRating.__table__  # type: ignore[attr-defined]
suppliers: Table = Supplier.__table__  # type: ignore[attr-defined]
supplier_claims: Table = SupplierClaim.__table__  # type: ignore[attr-defined]
