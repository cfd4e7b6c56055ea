"""The bearer and user tokens never reach logs, exception messages or reprs."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from integrations.errors import IntegrationError
from tests.integrations.x.recorded import BEARER, USER_TOKEN, make_client, problem_response


def _everything_about(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(exc.args) + repr(vars(exc))


@pytest.mark.parametrize("status", [401, 403, 429, 503])
def test_tokens_are_not_in_logs_or_errors(status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, recorder = make_client(lambda request, n: problem_response(status, **{"x-rate-limit-reset": "1795000000"}))
    errors: list[BaseException] = []
    for call in (lambda: next(client.search_recent("#ukfechat")), lambda: client.create_post("hello")):
        with pytest.raises(IntegrationError) as caught:
            call()
        errors.append(caught.value)

    assert recorder.requests, "the calls went out"
    assert recorder.requests[0].headers["authorization"] == f"Bearer {BEARER}"  # the token was really used
    text = caplog.text + "".join(_everything_about(e) for e in errors) + repr(client)
    assert BEARER not in text
    assert USER_TOKEN not in text


def test_tokens_are_not_in_transport_failures(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def reply(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError(f"failed for {request.headers['authorization']}", request=request)

    client, _ = make_client(reply)
    with pytest.raises(IntegrationError) as caught:
        next(client.search_recent("#ukfechat"))
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert BEARER not in caplog.text + _everything_about(caught.value)
    assert "ConnectError" in str(caught.value)
