"""Actions the mail server refused are shown to their owner (live), with what was undone, until dismissed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from emails.models import Message, OperationStatus, PendingOperation
from emails.services.operations import _operation_fail, message_action
from emails.tests.test_ui_dashboard import account_make, folder, mail_make

pytestmark = pytest.mark.django_db


def _failed(user: Any, account: Any, *, subject: str, action: str = "mark_read", **extra: Any) -> Any:
    message = mail_make(account, subject=subject)
    operation = message_action(user=user, message_id=message.pk, action=action, **extra)
    assert operation is not None
    _operation_fail(operation, "the server refused: STORE failed: [CANNOT] no permission")
    return operation


def test_the_owner_sees_a_refused_action_with_what_was_undone_and_can_dismiss_it(verified_client, alice, bob):
    """GIVEN alice's "mark read" refused by the server WHEN she loads the notice THEN it names the action,
    the message and the reason, and the message is unread again; dismissing removes it; bob sees nothing
    and cannot dismiss hers."""
    account = account_make(alice)
    operation = _failed(alice, account, subject="Quarterly numbers")
    assert not Message.objects.get(pk=operation.message_id).is_seen  # the local change was undone

    bob_client = verified_client(bob)
    assert b"Quarterly numbers" not in bob_client.get(reverse("emails:failed_operations")).content
    bob_client.post(reverse("emails:failed_operations_dismiss"), {"operation_id": operation.pk})
    bob_client.post(reverse("emails:failed_operations_dismiss"))
    assert PendingOperation.objects.filter(pk=operation.pk, status=OperationStatus.FAILED).exists()

    client = verified_client(alice)
    page = client.get(reverse("emails:failed_operations")).content.decode()
    assert "The mail server refused one of your actions" in page
    assert "Mark as read" in page
    assert "Quarterly numbers" in page
    assert "[CANNOT] no permission" in page
    assert reverse("emails:detail", args=[operation.message_id]) in page

    response = client.post(
        reverse("emails:failed_operations_dismiss"), {"operation_id": operation.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Quarterly numbers" not in response.content.decode()
    assert not PendingOperation.objects.filter(pk=operation.pk).exists()


def test_a_refused_move_names_its_target_and_dismiss_all_clears_only_failures(verified_client, alice):
    """GIVEN a refused archive and a refused flag, and a pending action WHEN all are dismissed THEN both
    failures go and the pending action stays."""
    account = account_make(alice)
    archive = _failed(alice, account, subject="Old invoice", action="archive")
    _failed(alice, account, subject="Party", action="flag")
    pending = message_action(
        user=alice, message_id=mail_make(account, subject="Later").pk, action="mark_read"
    )
    assert pending is not None
    client = verified_client(alice)

    page = client.get(reverse("emails:failed_operations")).content.decode()
    assert "The mail server refused 2 of your actions" in page
    assert f"Move to “{folder(account, 'archive').display_name}”" in page
    assert "Flag" in page
    assert Message.objects.get(pk=archive.message_id).folder.role == "inbox"  # the move was undone

    response = client.post(reverse("emails:failed_operations_dismiss"), {"next": "/mail/"})
    assert response.status_code == 302
    assert response["Location"] == "/mail/"
    assert not PendingOperation.objects.filter(owner=alice, status=OperationStatus.FAILED).exists()
    assert PendingOperation.objects.filter(pk=pending.pk, status=OperationStatus.PENDING).exists()
    assert client.get(reverse("emails:failed_operations")).content.strip() == b""


def test_the_notice_region_is_on_every_page_of_a_verified_user(verified_client, alice):
    """GIVEN a verified user WHEN a page renders THEN it carries the region htmx fills (and refreshes on the
    ``operation.failed`` event); the page itself runs no query for it."""
    page = verified_client(alice).get(reverse("emails:list")).content.decode()
    assert 'id="failed-ops"' in page
    assert reverse("emails:failed_operations") in page
    assert "mh:operation.failed from:document" in page


def test_a_failure_is_announced_to_the_owners_open_pages(
    alice, monkeypatch: Any, django_capture_on_commit_callbacks: Any
):
    """GIVEN an action WHEN the server refuses it THEN an ``operation.failed`` event goes to its owner only."""
    sent: list[tuple[int, str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "emails.services.operations.user_event_send",
        lambda *, user_id, event, data=None: sent.append((user_id, event, data or {})),
    )
    account = account_make(alice)
    with django_capture_on_commit_callbacks(execute=True):
        operation = _failed(alice, account, subject="Anything")
    assert (alice.pk, "operation.failed", {"operation_id": operation.pk}) in sent
    assert {user_id for user_id, _event, _data in sent} == {alice.pk}
