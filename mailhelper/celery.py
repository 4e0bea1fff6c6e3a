"""The Celery app: Redis broker, three queues, time limits, a heartbeat per worker, task ids in logs."""

from __future__ import annotations

import os
import threading
from typing import Any

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailhelper.settings.dev")

app = Celery("mailhelper")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sync"), Queue("ai"))
app.conf.task_routes = {
    "emails.tasks.account_sync_task": {"queue": "sync"},
    "emails.tasks.accounts_due_fan_out_task": {"queue": "sync"},
}
app.autodiscover_tasks()

_heartbeat_stop = threading.Event()


def _heartbeat_loop(hostname: str) -> None:
    from django.conf import settings

    from mailhelper.health import heartbeat_record

    while not _heartbeat_stop.is_set():
        try:
            heartbeat_record(hostname=hostname)
        except Exception:  # Redis briefly away: /healthz will notice; keep trying
            pass
        _heartbeat_stop.wait(settings.WORKER_HEARTBEAT_INTERVAL)


@signals.worker_ready.connect
def _start_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    threading.Thread(target=_heartbeat_loop, args=(hostname,), name="heartbeat", daemon=True).start()


@signals.worker_shutdown.connect
def _stop_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    _heartbeat_stop.set()
    try:
        from mailhelper.health import heartbeat_forget

        heartbeat_forget(hostname=getattr(sender, "hostname", None) or "worker")
    except Exception:
        pass


@signals.task_prerun.connect
def _bind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    from mailhelper.logcontext import task_id_var

    task_id_var.set(task_id or "-")


@signals.task_postrun.connect
def _unbind_task_id(**kwargs: Any) -> None:
    from mailhelper.logcontext import task_id_var, user_id_var

    task_id_var.set("-")
    user_id_var.set("-")
