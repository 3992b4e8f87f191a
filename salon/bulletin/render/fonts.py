"""The bulletin sees only the project's bundled fonts (fontconfig pointed at static/fonts)."""
import ctypes
import ctypes.util
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[3] / "static" / "fonts"
FONTCONFIG_FILE = FONT_DIR / "fonts.conf"
FONT_FAMILY = "Noto Serif SC"


def use_project_fonts() -> None:
    """Set FONTCONFIG_FILE before WeasyPrint (and so fontconfig) is first loaded."""
    os.environ.setdefault("FONTCONFIG_FILE", str(FONTCONFIG_FILE))


# ctypes.util's names for the ABI column of `ldconfig -p` (other machines: plain libc6).
_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


@contextmanager
def quick_library_lookup():
    """While WeasyPrint loads its C libraries, look names up in ldconfig's cache only.

    WeasyPrint tries several names for each library (libpango-1.0-0, pango-1.0-0, pango-1.0,
    libpango-1.0.so.0, ...). On Linux every name that ldconfig's cache lacks makes ctypes run
    gcc and ld, a cost paid by every render process that starts (README: 专刊性能). Here a
    name that ldconfig knows resolves as before, a miss fails at once, and WeasyPrint goes on
    to the library's .so name, which the loader finds without ctypes.
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    try:
        listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, check=True,
                                 env={"LC_ALL": "C", "LANG": "C"}).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        yield
        return
    bits = "-64" if ctypes.sizeof(ctypes.c_void_p) == 8 else "-32"
    abi = _ABI.get(os.uname().machine + bits, "libc6")

    def find_library(name: str) -> str | None:
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", listing)
        return found.group(1) if found else None

    original = ctypes.util.find_library
    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
