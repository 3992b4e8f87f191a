"""Demo suggestions."""


def seed() -> None:
    """Filled in below."""
