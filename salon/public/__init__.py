"""群众建议网站: the separate minimal app a bureau may put on an internet-facing host.

`salon.public:create_app()` runs against the same database as the internal site, and its URL
map holds only the suggestion form, the query-code page, the two public JSON routes and the
static files: nothing else of the site is reachable through it, signed in or not.
"""
from flask import Flask

from .. import ROOT
from .. import configure_settings as load_settings


def create_app(test_config: dict | None = None) -> Flask:
    """Build the public app: the same settings and database, its own routes and limits."""
    from .. import config as config_module

    folder = (test_config or {}).get("INSTANCE_PATH") or config_module.instance_path()
    app = Flask(__name__, instance_path=folder, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    load_settings(app, test_config)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["PUBLIC_RATELIMIT_STORAGE_URI"]
    app.config["SESSION_COOKIE_NAME"] = "public_session"
    _extensions(app)
    _routes(app)
    return app


def _extensions(app: Flask) -> None:
    from .. import database, textnorm
    from ..extensions import csrf, db, public_limiter

    textnorm.init_app(app)  # the site's input boundary, before any route
    db.init_app(app)
    database.init_app(app)
    csrf.init_app(app)
    public_limiter.init_app(app)
    count = int(app.config["PROXY_COUNT"] or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _routes(app: Flask) -> None:
    from . import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.api_bp)
    views.init_app(app)
