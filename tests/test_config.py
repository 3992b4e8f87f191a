"""Settings: one place for each default and meaning, the README's table made from it."""
import ast
import importlib.util
from pathlib import Path

from flask import Flask

from salon import config

ROOT = Path(__file__).resolve().parent.parent
# Defaults that Flask and Flask-WTF set themselves when the app is built.
LIBRARIES_OWN = set(Flask.default_config) | {"WTF_CSRF_FIELD_NAME"}


def settings_script():
    loader = importlib.machinery.SourceFileLoader("settings_table", str(ROOT / "scripts" /
                                                                       "settings-table"))
    spec = importlib.util.spec_from_loader("settings_table", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def config_reads() -> list[tuple[str, int, str, bool]]:
    """Every `….config["NAME"]` and `….config.get(…)` in the package: (file, line, name, get)."""
    found = []
    for path in sorted((ROOT / "salon").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, ast.Subscript):
                target, key, get = node.value, node.slice, False
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("get", "setdefault") and node.args):
                target, key, get = node.func.value, node.args[0], True
            if target is None or not _is_config(target):
                continue
            name = key.value if isinstance(key, ast.Constant) else "?"
            found.append((str(path.relative_to(ROOT)), node.lineno, name, get))
    return found


def _is_config(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "config") or (
        isinstance(node, ast.Name) and node.id == "config")


def test_readme_table_is_made_from_config():
    readme = (ROOT / "README.md").read_text()
    script = settings_script()
    assert script.with_table(readme, config.settings_table()) == readme, (
        "README 的配置表与 salon/config.py 不一致：运行 scripts/settings-table")


def test_every_setting_read_has_its_default_in_config():
    declared = {setting.name for setting in config.SETTINGS}
    unknown = [f"{file}:{line} {name}" for file, line, name, _get in config_reads()
               if name not in declared | LIBRARIES_OWN]
    assert not unknown, f"settings read without a default in salon/config.py: {unknown}"


def test_settings_are_read_without_defaults_in_place():
    gets = [f"{file}:{line} {name}" for file, line, name, get in config_reads() if get]
    assert not gets, f"read these with config[…], their default belongs in config.py: {gets}"


def test_every_setting_has_a_meaning_and_a_unique_name():
    names = [setting.name for setting in config.SETTINGS]
    assert len(names) == len(set(names))
    assert all(setting.meaning.strip() and "\n" not in setting.meaning
               for setting in config.SETTINGS)


def test_an_environment_variable_overrides_a_default(tmp_path, monkeypatch):
    from salon import create_app

    monkeypatch.setenv("SALON_POSTS_PER_PAGE", "7")
    monkeypatch.setenv("SALON_BULLETIN_TITLE", "某县公安局社区警务沙龙专刊")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db'}"})
    assert app.config["POSTS_PER_PAGE"] == 7
    assert app.config["BULLETIN_TITLE"] == "某县公安局社区警务沙龙专刊"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
