"""Schemathesis against the served OpenAPI schema: no 5xx, every response as documented.

All of Schemathesis' checks run except ``positive_data_acceptance``: a schema cannot say
that a request body must be a real note, image or Bundle, so a schema-valid body that is
not one is rightly a 4xx here (the negative checks — invalid data must be rejected —
stay on).

A bounded number of generated examples per operation (property-based, reproducible with
Hypothesis' database off), against the real uvicorn server of the session.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schema tests need the dev extra")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

MAX_EXAMPLES = 20


@pytest.fixture(scope="session")
def api_schema(server):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_contract(case):  # type: ignore[no-untyped-def]
    response = case.call(timeout=60)
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
