"""Configuration: defaults, then SALON_* environment variables, then a test override."""
import os
import secrets
from pathlib import Path


def instance_path() -> str:
    """The instance folder: SALON_INSTANCE_PATH or ./instance at the repository root."""
    default = Path(__file__).resolve().parent.parent / "instance"
    return str(Path(os.environ.get("SALON_INSTANCE_PATH", default)).resolve())


def load_secret_key(folder: str) -> str:
    """Read the secret key from the instance folder, generating it on first run."""
    path = Path(folder) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def defaults(folder: str) -> dict:
    """Settings that work on one machine with no set-up."""
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(folder) / 'salon.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "REMEMBER_COOKIE_DURATION": 7 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ADDRESS": "10 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "POSTS_PER_PAGE": 20,
        "PAGE_CACHE_SIZE": 256,
        "SEARCH_INDEX_DIR": str(Path(folder) / "search-index"),
        "STORAGE_DIR": str(Path(folder) / "files"),
        "BULLETIN_EDITOR_UNIT": "县公安局治安大队",
        "BULLETIN_TITLE": "社区警务沙龙专刊",
    }
