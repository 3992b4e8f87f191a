"""社区警务沙龙: the application factory."""
import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from .bulletin.render.workers import start_early_for_cli

start_early_for_cli()  # `flask bulletin build`: WeasyPrint loads while the app is built

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, features, pages."""
    folder = (test_config or {}).get("INSTANCE_PATH") or config_module.instance_path()
    app = Flask(
        __name__,
        instance_path=folder,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure_settings(app, test_config)
    configure_extensions(app)
    configure_features(app)
    configure_web(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    """Defaults, then SALON_* variables, then the override; the secret from the instance."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.from_prefixed_env("SALON")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config_module.load_secret_key(app.instance_path)


def configure_extensions(app: Flask) -> None:
    """Bind the extensions created in extensions.py (imported here, not at the top, so a
    bulletin render process that imports salon.bulletin does not load them)."""
    from . import database, storage, textnorm
    from .extensions import csrf, db, limiter, login_manager, migrate

    textnorm.init_app(app)  # first: the int converter must be in place before any route
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    storage.init_app(app)


def configure_features(app: Flask) -> None:
    """Every feature of `features.FEATURES`, then the JSON API they add routes to, then the
    commands that span features (`flask demo`, `flask backup`, `flask restore`)."""
    from . import api, backup, demo
    from .features import FEATURES

    for feature in FEATURES:
        feature.init_app(app)
    api.init_app(app)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)


def configure_web(app: Flask) -> None:
    """Template filters, security headers and error pages shared by every feature."""
    from . import errors, web

    web.init_app(app)
    errors.init_app(app)
