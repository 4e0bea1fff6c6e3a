"""Log lines carry request, user and task ids; requests get an id that is echoed to the client."""

import logging

import pytest

from mailhelper.logcontext import ContextFilter, LogfmtFormatter, log_context


def _format(message: str) -> str:
    record = logging.LogRecord("mailhelper.test", logging.INFO, __file__, 1, message, None, None)
    ContextFilter().filter(record)
    return LogfmtFormatter().format(record)


def test_log_line_carries_the_bound_ids():
    """GIVEN ids bound for a block WHEN a line is logged THEN it names request, user and task."""
    with log_context(request_id="req42", user_id=7, task_id="task-9"):
        line = _format("synced 3 messages")
    assert "request_id=req42" in line
    assert "user_id=7" in line
    assert "task_id=task-9" in line
    assert 'msg="synced 3 messages"' in line


def test_ids_are_unbound_after_the_block():
    """GIVEN a finished block WHEN logging afterwards THEN no id leaks into unrelated lines."""
    with log_context(request_id="req42", user_id=7):
        pass
    line = _format("idle")
    assert "request_id=- user_id=- task_id=-" in line


def test_values_with_spaces_and_quotes_stay_one_parseable_field():
    """GIVEN a message with quotes and a newline WHEN formatted THEN it stays on one line, quoted."""
    line = _format('subject "Hello"\nsecond line')
    assert "\n" not in line
    assert 'msg="subject \\"Hello\\"\\nsecond line"' in line


@pytest.mark.django_db
def test_each_response_carries_a_request_id(client):
    """GIVEN any request WHEN answered THEN X-Request-ID is set; a sane incoming id is kept."""
    generated = client.get("/account/login/")
    assert len(generated["X-Request-ID"]) == 32
    kept = client.get("/account/login/", headers={"x-request-id": "proxy-abc.123"})
    assert kept["X-Request-ID"] == "proxy-abc.123"
    forged = client.get("/account/login/", headers={"x-request-id": "bad id\nInjected: yes"})
    assert forged["X-Request-ID"] != "bad id\nInjected: yes"
