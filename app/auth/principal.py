"""Who is calling: the principal an API key stands for."""

from dataclasses import dataclass

from app.enums import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the API key's id, name and roles, and whom a deputy stands in for."""

    key_id: int
    name: str
    roles: frozenset[Role]
    # A deputy may approve letters, and signs them, for the head or the director.
    acting_for: Role | None = None

    def has_any(self, roles: frozenset[Role] | set[Role]) -> bool:
        return bool(self.roles & roles)
