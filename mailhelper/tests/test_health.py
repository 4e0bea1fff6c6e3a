"""/healthz and ``manage.py doctor`` report database, Redis and a live worker heartbeat."""

import json
import signal
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from mailhelper.testing.processes import wait_until, worker_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_heartbeat_key(settings):
    """A heartbeat key of this test's own, so the suite's shared worker cannot make it look healthy."""
    key = f"mh:test-heartbeats:{uuid.uuid4().hex}"
    settings.WORKER_HEARTBEAT_KEY = key
    return key


def _health(client: Client, host: str | None = None):
    response = client.get("/healthz", headers={"host": host} if host else None)
    return response.status_code, json.loads(response.content)


@pytest.mark.worker
def test_healthz_follows_the_worker_heartbeat(private_heartbeat_key, process_log_dir):
    """GIVEN a real worker WHEN it beats THEN /healthz is 200; WHEN it is killed THEN /healthz turns 503."""
    client = Client()
    status, body = _health(client)
    assert status == 503
    assert body["worker"] == "no recent heartbeat"

    worker, _hostname = worker_start(
        log_dir=process_log_dir, extra_env={"WORKER_HEARTBEAT_KEY": private_heartbeat_key}
    )
    try:
        status, body = _health(client)
        assert (status, body["database"], body["redis"], body["worker"]) == (200, "ok", "ok", "ok")

        worker.stop(sig=signal.SIGKILL)  # no clean shutdown: the beats simply stop
        wait_until(lambda: _health(client)[0] == 503, timeout=15, what="heartbeat going stale")
    finally:
        worker.stop()
    assert _health(client)[1]["worker"] == "no recent heartbeat"


def test_healthz_ignores_unknown_hosts_and_the_https_redirect(private_heartbeat_key):
    """GIVEN a probe with an odd Host over plain HTTP WHEN it asks /healthz THEN it gets the report, not 400/301."""
    from mailhelper.health import heartbeat_record

    heartbeat_record(hostname="probe-worker")
    with override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["mail.example.org"]):
        client = Client()
        status, body = _health(client, host="10.0.0.7:8000")
        assert status == 200
        assert body["status"] == "ok"
        assert (
            client.get("/", headers={"host": "10.0.0.7:8000"}).status_code == 400
        )  # the host check still guards pages


def test_doctor_reports_problems_and_success(private_heartbeat_key, capsys):
    """GIVEN no heartbeat WHEN doctor runs THEN it fails; GIVEN a beat THEN it prints 'all good'."""
    from mailhelper.health import heartbeat_record

    with pytest.raises(CommandError):
        call_command("doctor")
    assert "no heartbeat" in capsys.readouterr().out

    heartbeat_record(hostname="doctor-worker")
    call_command("doctor")
    out = capsys.readouterr().out
    assert "migrations: 0 pending" in out
    assert "queues:" in out
    assert "all good" in out
