"""Every form validator speaks Chinese: WTForms' defaults ("Field cannot be longer than 5000
characters.", "This field is required.") are English and reach the user as they are."""
import importlib
import pkgutil

import wtforms
from wtforms.fields.core import UnboundField

import salon

# validators whose message is None fall back to WTForms' English text
TALKING = tuple(getattr(wtforms.validators, name) for name in (
    "DataRequired", "InputRequired", "Length", "NumberRange", "Email", "EqualTo", "Regexp",
    "URL", "AnyOf", "NoneOf", "Optional"))


def all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(salon.__path__, "salon."):
        importlib.import_module(module.name)
    found, todo = set(), [wtforms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("salon."):
                found.add(sub)
    return sorted(found, key=lambda form: (form.__module__, form.__name__))


def english_validators(form_class: type) -> list[str]:
    missing = []
    for name in dir(form_class):
        field = getattr(form_class, name, None)
        if not isinstance(field, UnboundField):
            continue
        validators = field.kwargs.get("validators") or (
            field.args[1] if len(field.args) > 1 else [])
        for validator in validators or []:
            # Optional only stops the chain on an empty value: it never shows a message
            if isinstance(validator, TALKING) and not isinstance(
                    validator, wtforms.validators.Optional) and validator.message is None:
                missing.append(f"{form_class.__module__}.{form_class.__name__}.{name}: "
                               f"{type(validator).__name__}")
    return missing


def test_every_validator_has_a_chinese_message():
    forms = all_form_classes()
    assert len(forms) > 10
    missing = [line for form in forms for line in english_validators(form)]
    assert not missing, "give these validators a Chinese message=…:\n" + "\n".join(missing)
