"""The bulletin sees only the project's bundled fonts (fontconfig pointed at static/fonts)."""
import os
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
FONTCONFIG_FILE = FONT_DIR / "fonts.conf"
FONT_FAMILY = "Noto Serif SC"


def use_project_fonts() -> None:
    """Set FONTCONFIG_FILE before WeasyPrint (and so fontconfig) is first loaded."""
    os.environ.setdefault("FONTCONFIG_FILE", str(FONTCONFIG_FILE))
