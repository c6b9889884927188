"""Schemathesis against /api/v1/openapi.json.

- The signals operations: every check schemathesis has.
- Every operation of the whole API: no server error (the other checks for other apps'
  operations belong to their own tests).

Requests go through the WSGI app in this process as lena — a learner who consented, in an
organisation with signals on — so generated uploads reach validation and storage rather than
stopping at the consent gate. Two documented statuses are added to what schemathesis accepts
for schema-valid data, because JSON Schema cannot express why they happen:

- 422: the cross-field rules (``active_ms + idle_ms = time_on_task_ms``, the typing speed
  consistent with insertions and active time, …) that valid-by-schema random numbers break;
- 413: a schema-valid batch of 100 summaries can be made longer than 64 KB with long
  whitespace-free numbers (schemathesis pads nothing, but it picks big values).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from candor.signals.tests.conftest import make_summary

ACCEPTED_FOR_VALID_DATA = ["2xx", "401", "403", "404", "409", "413", "422", "429"]


@pytest.fixture(autouse=True)
def _nodeid_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy loader reads ``node._nodeid``, which pytest 9 no longer has
    (it became ``node._id``); give it the attribute it reports sub-tests under."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def signed_in(consenting: Any, exercises: Any, settings: Any, post: Any) -> dict[str, str]:
    """lena's session and CSRF cookies (and one stored summary to list and erase)."""
    settings.CANDOR_SIGNALS_RATE_LIMIT = 1_000_000  # the rate limit has its own test
    post(consenting.lena, [make_summary(exercises["rubric"].pk)])
    client = Client()
    client.force_login(consenting.lena)
    client.get("/")
    return {name: morsel.value for name, morsel in client.cookies.items()}


@pytest.fixture
def api_schema(signed_in: dict[str, str]) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            # The session cookie is the API's security scheme: schemathesis sends it, and also
            # leaves it out on purpose to check that the API then refuses (ignored_auth).
            "auth": {"openapi": {"SessionAuth": {"api_key": signed_in["sessionid"]}}},
            "headers": {"X-CSRFToken": signed_in["csrftoken"]},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA}},
        }
    )
    # Like Django's test client: requests must not close the test's database connection
    # (on PostgreSQL that would end the transaction the test runs in).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json", get_wsgi_application(), config=config
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.include(path_regex="/signals").parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_every_generated_request_as_documented(
    case: Any, signed_in: dict[str, str]
) -> None:
    # Django's CSRF check pairs the header with this cookie (not part of the auth scheme).
    case.call_and_validate(cookies={"csrftoken": signed_in["csrftoken"]})


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_of_the_api_answers_with_a_server_error(
    case: Any, signed_in: dict[str, str]
) -> None:
    case.call_and_validate(
        cookies={"csrftoken": signed_in["csrftoken"]}, checks=[not_a_server_error]
    )
