"""Reference data every installation needs: the gemeenten of the GBI collaboration. Idempotent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gbi_data import repository

__all__ = ["GEMEENTEN", "seed"]

# CBS code, name.
GEMEENTEN: tuple[tuple[str, str], ...] = (
    ("0363", "Amsterdam"),
    ("0518", "'s-Gravenhage"),
    ("0599", "Rotterdam"),
    ("0344", "Utrecht"),
    ("0772", "Eindhoven"),
    ("0855", "Tilburg"),
    ("0014", "Groningen"),
    ("0268", "Nijmegen"),
    ("0153", "Enschede"),
    ("0796", "'s-Hertogenbosch"),
    ("0193", "Zwolle"),
    ("0114", "Emmen"),
    ("0995", "Lelystad"),
)


def seed(session: Session) -> int:
    """Insert the gemeenten that are missing; returns how many were added (0 on a second run)."""
    return repository.insert_missing_gemeenten(session, GEMEENTEN)
