"""Who is calling: the principal an API key stands for."""

from dataclasses import dataclass

from app.enums import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the API key's id, name and roles."""

    key_id: int
    name: str
    roles: frozenset[Role]

    def has_any(self, roles: frozenset[Role] | set[Role]) -> bool:
        return bool(self.roles & roles)
