"""Every Flask extension, created once and bound in the app factory."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .login_seam import LoginManager, check_version

# A naming convention keeps Alembic's constraint names stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
check_version()
login_manager = LoginManager()  # bearer tokens before cookies (login_seam.py)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The public suggestion app's own limits (its own counters, its own on/off switch).
public_limiter = Limiter(key_func=get_remote_address, default_limits=[], key_prefix="public")
