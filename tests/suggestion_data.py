"""Building suggestions for the 群众建议 tests."""
from salon.extensions import db
from salon.suggestions.services import SuggestionInput, register, submit_public

from .problem_data import salon, user


def public_suggestion(text="村口路灯坏了一个月，晚上回家不安全", contact="王先生 13812345678",
                      place="城关镇人民路"):
    """A citizen's suggestion from the public form (committed; an open salon exists)."""
    salon("2026-11")
    suggestion = submit_public(SuggestionInput(text=text, place=place, contact=contact))
    db.session.commit()
    return suggestion


def registered(username="officer", channel="visit", text="建议对乱停乱放加大处罚力度",
               contact="李女士 13900001111"):
    suggestion = register(user(username), SuggestionInput(text=text, channel=channel,
                                                          contact=contact))
    db.session.commit()
    return suggestion


def triage(client, suggestion_id, **data):
    """Post one of the desk's steps through the site (the client is signed in)."""
    from .conftest import csrf_token

    data.setdefault("csrf_token", csrf_token(client, f"/suggestions/{suggestion_id}"))
    return client.post(f"/suggestions/{suggestion_id}/triage", data=data)
