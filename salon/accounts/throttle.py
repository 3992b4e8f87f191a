"""Sign-in throttling that an attacker cannot turn against the owner of the account.

Failures are counted per (account, address) and per address, in the database (so every
worker process and server sees them). Past LOGIN_FREE_FAILURES for the pair, or
LOGIN_FREE_FAILURES_PER_ADDRESS for the address, each further failure makes that pair or
address wait LOGIN_DELAY_SECONDS, doubled every time, up to LOGIN_MAX_DELAY_SECONDS. There is
no lock per account alone: somebody guessing the admin's password from elsewhere slows only
themselves, and the admin signs in from their own desk as usual. An attempt made while
waiting is refused without checking the password and without an audit row of its own: the
log gets one `throttled` row when a wait begins (one per burst, however long the attack).
"""
from datetime import timedelta

from flask import current_app

from ..extensions import db
from ..timeutil import now
from .models import LoginThrottle

MESSAGE = "登录尝试过于频繁，请 {seconds} 秒后再试。"


def enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    """The pair's key and the address's key, each with its number of free failures."""
    account = (username or "").strip().casefold()[:64]
    address = (address or "")[:45]
    config = current_app.config
    return [(f"pair:{address}|{account}", int(config["LOGIN_FREE_FAILURES"])),
            (f"address:{address}", int(config["LOGIN_FREE_FAILURES_PER_ADDRESS"]))]


def wait_seconds(username: str, address: str) -> int:
    """How long this attempt must still wait (0: go ahead)."""
    if not enabled():
        return 0
    keys = [key for key, _ in _keys(username, address)]
    latest = db.session.scalar(db.select(db.func.max(LoginThrottle.blocked_until))
                               .where(LoginThrottle.key.in_(keys)))
    if latest is None or latest <= now():
        return 0
    return max(1, int((latest - now()).total_seconds() + 0.999))


def record_failure(username: str, address: str) -> bool:
    """Count a failed attempt; True when it starts a wait (the caller audits that once).
    The caller commits."""
    if not enabled():
        return False
    config = current_app.config
    moment = now()
    forget = moment - timedelta(seconds=int(config["LOGIN_FAILURE_MEMORY_SECONDS"]))
    started = False
    for key, free in _keys(username, address):
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=moment)
            db.session.add(row)
        if row.last_failure_at < forget:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = moment
        if row.failures >= free:
            delay = min(int(config["LOGIN_DELAY_SECONDS"]) * 2 ** min(row.failures - free, 20),
                        int(config["LOGIN_MAX_DELAY_SECONDS"]))
            row.blocked_until = moment + timedelta(seconds=delay)
            started = True
    # Rows of attackers long gone are dropped as new failures come in.
    db.session.execute(db.delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < forget,
        db.or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < moment)))
    return started


def record_success(username: str, address: str) -> None:
    """The pair signed in: its failures are forgotten (the address's are not). The caller
    commits."""
    if enabled():
        key, _ = _keys(username, address)[0]
        db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.key == key))
