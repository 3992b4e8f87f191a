"""What a render needs, kept apart from WeasyPrint so planning a build does not import it."""
from dataclasses import dataclass

# The document's base URL: a name that can never resolve, so nothing leaves the machine.
ORIGIN = "http://bulletin.invalid"
ASSETS_PREFIX = "/bulletin-assets/"


@dataclass(frozen=True)
class RenderJob:
    """Everything a render needs, picklable so it can run in another process."""

    html: str
    static_root: str
    storage_root: str
    assets: dict[str, bytes]
