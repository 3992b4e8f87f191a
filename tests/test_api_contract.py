"""The API contract: GET /api/openapi.json describes every API route, and schemathesis fuzzes
the running app against it with a token of each role (SQLite, a fixed number of examples):
any 500, any answer that does not match the description, or non-standard JSON fails."""
import json
import os
import re

import pytest
import schemathesis
from flask import g, has_app_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from salon.accounts.models import ApiToken
from salon.extensions import db

from .routes import ROLES, build_world, user

# The budget: examples per role and mode. Raise locally to fuzz harder (SALON_FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("SALON_FUZZ_EXAMPLES", "60"))
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def api_rules(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every API rule of the URL map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def test_every_api_route_is_described(app, client):
    _, plain = ApiToken.issue(user("officer"))
    db.session.commit()
    response = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert api_rules(app) <= described, f"not described: {api_rules(app) - described}"
    assert described <= api_rules(app), f"described but absent: {described - api_rules(app)}"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert "200" in operation["responses"] or "201" in operation["responses"], path
            assert "401" in operation["responses"], (path, method)
    schemathesis.openapi.from_dict(spec)  # a valid document, loadable by the fuzzer


@schemathesis.check
def standard_json(ctx, response, case):
    """The answer is JSON without NaN or Infinity (which browsers and many parsers refuse)."""
    if "json" not in response.headers.get("content-type", [""])[0]:
        return None

    def refuse(token):
        raise AssertionError(f"non-standard JSON: {token}")

    json.loads(response.text, parse_constant=refuse)
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, standard_json]


def fresh_requests(app):
    """The WSGI app with an empty `g` per request, as in production (the test keeps one app
    context open, which Flask would otherwise reuse for every request)."""
    def wsgi(environ, start_response):
        if has_app_context():
            g.__dict__.clear()
        return app.wsgi_app(environ, start_response)
    return wsgi


@pytest.mark.skipif(ON_POSTGRES, reason="fuzzed once, on SQLite (the contract does not "
                                         "depend on the database)")
@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_contract_under_fuzzing(app, role):
    build_world()
    _, plain = ApiToken.issue(user(role))
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fresh_requests(app),
                                            headers=headers)
    cases = st.one_of(schema.as_strategy(headers=headers),
                      schema.as_strategy(GenerationMode.NEGATIVE, headers=headers))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def fuzz(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    fuzz()
