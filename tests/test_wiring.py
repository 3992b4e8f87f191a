"""Explicit wiring: the app factory registers each feature from one visible list
(salon/features.py), the commands that span features at the app level, and `Post.problem`
on `Post` (posts know nothing of problems but their constants; problems follow posts)."""
from pathlib import Path

import salon
from salon.features import FEATURES
from salon.posts.models import Post
from salon.problems.models import Problem

# Packages with an init_app that are not features: the JSON API the features add routes
# to (registered after them), and the public suggestion site (an app of its own).
NOT_FEATURES = {"salon.api", "salon.public"}


def test_every_package_with_an_init_app_is_in_the_one_list():
    """No feature is found by name or registered by another: each is a line in FEATURES."""
    root = Path(salon.__file__).parent
    with_init = {f"salon.{init.parent.name}" for init in root.glob("*/__init__.py")
                 if "def init_app" in init.read_text(encoding="utf-8")}
    listed = [feature.__name__ for feature in FEATURES]
    assert with_init - NOT_FEATURES == set(listed) and len(listed) == len(set(listed))


def test_the_factory_registers_each_feature_and_the_app_level_commands(app):
    owners = {bp.import_name.rsplit(".", 1)[0] if bp.import_name.count(".") > 1
              else bp.import_name for bp in app.blueprints.values()}
    for feature in ("salon.accounts", "salon.posts", "salon.problems", "salon.search",
                    "salon.bulletin", "salon.salons", "salon.notifications"):
        assert any(owner.startswith(feature) for owner in owners), feature
    commands = set(app.cli.list_commands(None))
    assert {"demo", "backup", "restore"} <= commands  # app-level, not a feature's
    assert {"search", "bulletin", "problems", "posts", "users"} <= commands


def test_post_problem_is_declared_on_post():
    """Declared on Post (not a backref problems adds on import): Post.problem exists
    whatever has been imported, so posts and search need no guard for it."""
    assert "problem" in Post.__annotations__
    relation = Post.__mapper__.relationships["problem"]
    assert relation.mapper.class_ is Problem and relation.back_populates == "post"
