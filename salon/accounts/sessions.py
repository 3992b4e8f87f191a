"""The session cookie: signed as Flask does, but re-signed only when there is a reason to."""
from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

REFRESH_AFTER = 60  # seconds


class SlidingSessionInterface(SecureCookieSessionInterface):
    """Flask signs a permanent session's cookie afresh on every answer, so that it expires
    PERMANENT_SESSION_LIFETIME after the last request; serialising and signing it costs a
    fifth of a page served from the page cache. Here an unchanged session is re-signed only
    once its signature is a minute old: it still expires 8 hours after the last request, give
    or take that minute. A changed session is always saved at once.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask builds the same serializer (and tries it out) twice per request; kept per key."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        # On itsdangerous's clock, the one that decides expiry.
        session.signature_age = serializer.make_signer().get_timestamp() - signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        return getattr(session, "signature_age", REFRESH_AFTER) >= REFRESH_AFTER
