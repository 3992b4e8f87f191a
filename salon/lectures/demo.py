"""Demo lectures."""


def seed() -> None:
    """Filled in below."""
