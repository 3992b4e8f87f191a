"""Posts in the JSON API."""
from ..api import bp  # noqa: F401
