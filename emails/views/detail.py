"""The message detail page and its htmx fragments: actions with undo, AI panel corrections, tags.

Every view fetches the message through ``messages_for_user`` first, so another user's id is a 404
before anything else happens. Fragments are the same templates the page includes (one template, two
callers).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from emails.display_texts import analysis_note_text
from emails.models import LogicalMessage, MailFolder, Message, OperationStatus, PendingOperation
from emails.selectors import folders_for_user, messages_for_user
from emails.services.operations import ActionError, message_action, operation_undo
from emails.services.remote_images import remote_images_allow, remote_images_allowed
from mailhelper.typing import HtmxUserRequest
from tags.models import Tag
from tags.selectors import tags_for_message, tags_for_user
from tags.services import TagError, tag_add, tag_remove

logger = logging.getLogger(__name__)

ACTIONS = ("mark_read", "mark_unread", "flag", "unflag", "archive", "trash", "move", "delete")
UNDOABLE = ("archive", "trash", "move")
CORRECTABLE_FIELDS = ("urgency", "importance", "category", "spam")
RELATED_LIMIT = 10


def _message_or_404(request: HtmxUserRequest, pk: int) -> Message:
    return get_object_or_404(messages_for_user(user=request.user), pk=pk)


def list_url() -> str:
    try:
        return reverse("emails:list")
    except NoReverseMatch:  # the list page is built in parallel; home until it lands
        return reverse("home")


def _one_to_one(logical: LogicalMessage, name: str) -> Any:
    """The triage or content row of a message, or None while the pipeline has not written it."""
    try:
        return getattr(logical, name)
    except (ObjectDoesNotExist, AttributeError):
        return None


def triage_of(message: Message) -> Any:
    return _one_to_one(message.logical, "triage")


def content_of(message: Message) -> Any:
    return _one_to_one(message.logical, "content")


@dataclass(frozen=True)
class RelatedRow:
    message: Message
    is_current: bool
    note: str = ""


def _copy_for(user: Any, item: Any) -> Message | None:
    """A message row of the user's for whatever a thread/similar helper returns."""
    for name in ("message", "copy"):
        if hasattr(item, name) and isinstance(getattr(item, name), Message):
            item = getattr(item, name)
    if isinstance(item, Message):
        return item if item.owner_id == user.pk else None
    logical_id = None
    if isinstance(item, LogicalMessage):
        logical_id = item.pk
    elif isinstance(item, dict):
        if message_pk := item.get("message_pk") or item.get("message_id_pk"):
            return messages_for_user(user=user).filter(pk=message_pk).first()
        logical_id = item.get("logical_id")
    else:
        logical_id = getattr(item, "logical_id", None)
    if logical_id is None:
        return None
    return messages_for_user(user=user).filter(logical_id=logical_id).order_by("-received_at").first()


def _rows(user: Any, items: Any, current: Message) -> list[RelatedRow]:
    rows: list[RelatedRow] = []
    seen: set[int] = set()
    for item in list(items or [])[: RELATED_LIMIT * 5]:
        copy = _copy_for(user, item)
        if copy is None or copy.logical_id in seen:
            continue
        seen.add(copy.logical_id)
        score = getattr(item, "score", None) or getattr(item, "similarity", None)
        note = f"{score:.2f}" if isinstance(score, float) else ""
        rows.append(RelatedRow(message=copy, is_current=copy.logical_id == current.logical_id, note=note))
    return rows


def thread_rows(*, user: Any, message: Message) -> list[RelatedRow] | None:
    """The conversation around the message; None while ``emails.threads`` is not available."""
    try:
        from emails.threads import thread_for_message
    except ImportError:
        return None
    try:
        items = thread_for_message(user=user, logical_id=message.logical_id)
    except Exception:  # a reader-side helper must never take the page down
        logger.warning("thread_for_message failed message=%s", message.pk, exc_info=True)
        return None
    items = getattr(items, "messages", items)
    return _rows(user, items, message)[: RELATED_LIMIT * 5]


def similar_rows(*, user: Any, message: Message) -> list[RelatedRow] | None:
    """Messages like this one (embeddings); None while ``emails.search.similar_messages`` is missing."""
    try:
        from emails.search import similar_messages
    except ImportError:
        return None
    try:
        items = similar_messages(user=user, logical_id=message.logical_id, limit=RELATED_LIMIT)
    except Exception:
        logger.warning("similar_messages failed message=%s", message.pk, exc_info=True)
        return None
    return [row for row in _rows(user, items, message) if not row.is_current][:RELATED_LIMIT]


def invite_of(message: Message, triage: Any) -> dict[str, Any] | None:
    """The calendar invite to show: the analysis result, else parsed from the stored calendar part."""
    if triage is not None and triage.invite:
        return dict(triage.invite)
    if not message.calendar_parts:
        return None
    try:
        from emails.analysis.calendar import ics_invite

        first = message.calendar_parts[0]
        invite = ics_invite(ics=first.get("ics", ""), method=first.get("method"))
    except Exception:
        logger.info("calendar part unreadable message=%s", message.pk, exc_info=True)
        invite = None
    if invite is None:
        return {"method": message.calendar_parts[0].get("method"), "title": "", "start": None}
    return {
        "method": invite.method,
        "title": invite.title,
        "start": invite.start,
        "end": invite.end,
        "organizer": invite.organizer,
        "location": invite.location,
    }


def plain_text_of(message: Message, content: Any) -> str:
    if content is not None and content.text:
        return str(content.text)
    if message.text_body:
        return message.text_body
    if message.html_body:
        from emails.sanitize.html_text import html_to_text

        return html_to_text(html=message.html_body)
    return ""


def body_context(request: HtmxUserRequest, message: Message, content: Any) -> dict[str, Any]:
    allowed = remote_images_allowed(user=request.user, message=message)
    if content is not None:
        blocked = content.remote_images_blocked
    elif message.html_body:
        from emails.sanitize.html_safe import html_make_safe

        blocked = html_make_safe(
            html=message.html_body, allow_remote_images=False, cid_url=None
        ).remote_images_blocked
    else:
        blocked = 0
    return {
        "message": message,
        "has_html": bool(message.html_body),
        "remote_allowed": allowed,
        "remote_blocked": blocked,
        "body_version": f"{message.pk}-{int(allowed)}",
    }


# The pipeline stores these identifiers (emails.pipeline.ensemble, training.services.labels); people read them.
SOURCE_LABELS = {
    "llm": pgettext_lazy("analysis source", "AI model"),
    "classifier": pgettext_lazy("analysis source", "your personal classifier"),
    "headers": pgettext_lazy("analysis source", "mail headers"),
    "heuristics": pgettext_lazy("analysis source", "text rules"),
    "calendar": pgettext_lazy("analysis source", "calendar invitation"),
    "vip": pgettext_lazy("analysis source", "VIP sender rule"),
    "trusted_sender": pgettext_lazy("analysis source", "trusted sender rule"),
    "user": pgettext_lazy("analysis source", "your correction"),
    "default": pgettext_lazy("analysis source", "default (no source had an opinion)"),
}
# sources["provider"] when no AI model answered: "local (<why>)".
LOCAL_FALLBACK = re.compile(r"local \((?P<why>.*)\)", re.DOTALL)
FIELD_LABELS = {
    "urgency": pgettext_lazy("triage field", "Urgency"),
    "importance": pgettext_lazy("triage field", "Importance"),
    "category": pgettext_lazy("triage field", "Category"),
    "is_spam": pgettext_lazy("triage field", "Spam"),
    "spam": pgettext_lazy("triage field", "Spam"),
    "summary": pgettext_lazy("triage field", "Summary"),
    "action_items": pgettext_lazy("triage field", "Action items"),
    "language": pgettext_lazy("triage field", "Language"),
    "is_newsletter": pgettext_lazy("triage field", "Newsletter"),
    "deadline": pgettext_lazy("triage field", "Deadline"),
    "provider": pgettext_lazy("triage field", "Analysis"),
}


def source_label(source: str) -> str:
    """``llm:openai`` → "AI model (openai)"; an identifier we do not know is shown as it is."""
    fallback = LOCAL_FALLBACK.fullmatch(str(source))
    if fallback is not None:
        return pgettext("analysis source", "local analyzer (%(why)s)") % {
            "why": analysis_note_text(fallback.group("why"))
        }
    kind, _sep, name = str(source).partition(":")
    label = SOURCE_LABELS.get(kind)
    if label is None:
        return str(source)
    if not name:
        return str(label)
    return pgettext("analysis source with its name", "%(source)s (%(name)s)") % {
        "source": label,
        "name": name,
    }


def explanation_rows(triage: Any) -> list[dict[str, Any]]:
    return [
        {**entry, "source_label": source_label(entry.get("source", ""))}
        for entry in (triage.explanation or [])
        if isinstance(entry, dict)
    ]


def decided_by_rows(triage: Any) -> list[dict[str, Any]]:
    corrected = set(triage.corrected_fields or [])
    return [
        {
            "field": str(FIELD_LABELS.get(field, field)),
            "source": source_label(source),
            "corrected": field in corrected,
        }
        for field, source in (triage.sources or {}).items()
    ]


def ai_context(request: HtmxUserRequest, message: Message, *, error: str = "") -> dict[str, Any]:
    triage = triage_of(message)
    from emails.models import TriageCategory

    return {
        "message": message,
        "triage": triage,
        "explanation": explanation_rows(triage) if triage is not None else [],
        "decided_by": decided_by_rows(triage) if triage is not None else [],
        "categories": TriageCategory.choices,
        "levels": (1, 2, 3),
        "matrix_rows": [(u, [(u, i) for i in (1, 2, 3)]) for u in (3, 2, 1)],
        "ai_error": error,
        "can_correct": _label_record() is not None,
    }


def tags_context(request: HtmxUserRequest, message: Message, *, error: str = "") -> dict[str, Any]:
    return {
        "message": message,
        "message_tags": list(tags_for_message(user=request.user, logical_id=message.logical_id)),
        "all_tags": list(tags_for_user(user=request.user)),
        "tag_error": error,
    }


def actions_context(
    request: HtmxUserRequest,
    message: Message | None,
    *,
    operation: PendingOperation | None = None,
    done: str = "",
    error: str = "",
) -> dict[str, Any]:
    folders = (
        folders_for_user(user=request.user, account_id=message.account_id).filter(is_selectable=True)
        if message is not None
        else MailFolder.objects.none()
    )
    return {
        "message": message,
        "folders": folders,
        "operation": operation,
        "done": done,
        "action_error": error,
        "list_url": list_url(),
    }


@require_GET
def message_detail(request: HtmxUserRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    content = content_of(message)
    triage = triage_of(message)
    view = "text" if request.GET.get("view") == "text" or not message.html_body else "html"
    visible_attachments = [a for a in message.attachments or [] if isinstance(a, dict)]
    context: dict[str, Any] = {
        "message": message,
        "content": content,
        "view": view,
        "plain_text": plain_text_of(message, content) if view == "text" else "",
        "attachments": visible_attachments,
        "invite": invite_of(message, triage),
        "thread": thread_rows(user=request.user, message=message),
        "similar": similar_rows(user=request.user, message=message),
        **body_context(request, message, content),
        **ai_context(request, message),
        **tags_context(request, message),
        **actions_context(request, message),
    }
    return render(request, "emails/detail.html", context)


@require_GET
def message_ai_panel(request: HtmxUserRequest, pk: int) -> HttpResponse:
    """The AI panel alone (polled while the message is being analysed)."""
    message = _message_or_404(request, pk)
    return render(request, "emails/_ai_panel.html", ai_context(request, message))


def _label_record() -> Any:
    """``training.services.label_record`` (built in parallel; also looked up in its module while unexported)."""
    import importlib

    for module in ("training.services", "training.services.labels"):
        try:
            found = getattr(importlib.import_module(module), "label_record", None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def _correction_value(field: str, raw: str) -> Any:
    if field in ("urgency", "importance"):
        value = int(raw)
        if value not in (1, 2, 3):
            raise ValueError(raw)
        return value
    if field == "spam":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    from emails.models import TriageCategory

    if raw not in TriageCategory.values:
        raise ValueError(raw)
    return raw


@require_POST
def message_triage_correct(request: HtmxUserRequest, pk: int) -> HttpResponse:
    """One-click correction of urgency, importance, category or spam; re-renders the AI panel."""
    message = _message_or_404(request, pk)
    field = request.POST.get("field", "")
    error = ""
    label_record = _label_record()
    if field not in CORRECTABLE_FIELDS:
        error = _("This cannot be corrected.")
    elif label_record is None:
        error = _("Corrections are not available yet.")
    else:
        try:
            value = _correction_value(field, request.POST.get("value", ""))
        except (TypeError, ValueError):
            error = _("That value is not allowed.")
        else:
            try:
                label_record(user=request.user, logical_id=message.logical_id, field=field, value=value)
            except ValueError:  # training's LabelInvalid
                error = _("That value is not allowed.")
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("emails:detail", pk=message.pk)
    response = render(request, "emails/_ai_panel.html", ai_context(request, message, error=error))
    if error:
        response.status_code = 422
    return response


@require_POST
def message_triage_done(request: HtmxUserRequest, pk: int) -> HttpResponse:
    """Mark the message done / not done (the Done workflow of the triage)."""
    message = _message_or_404(request, pk)
    error = ""
    try:
        from emails.services.triage import triage_mark_done

        triage_mark_done(
            user=request.user, logical_id=message.logical_id, done=request.POST.get("done") == "true"
        )
    except ImportError:
        error = _("Not available yet.")
    except ObjectDoesNotExist:
        error = _("This message has not been analysed yet.")
    if not request.htmx:
        return redirect("emails:detail", pk=message.pk)
    return render(request, "emails/_ai_panel.html", ai_context(request, message, error=error))


@require_POST
def message_tag_add(request: HtmxUserRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    error = ""
    try:
        tag_add(user=request.user, logical_id=message.logical_id, name=request.POST.get("name", ""))
    except TagError as exc:
        error = str(exc)
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("emails:detail", pk=message.pk)
    response = render(request, "emails/_detail_tags.html", tags_context(request, message, error=error))
    if error:
        response.status_code = 422
    return response


@require_POST
def message_tag_remove(request: HtmxUserRequest, pk: int, tag_id: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    try:
        tag_remove(user=request.user, logical_id=message.logical_id, tag_id=tag_id)
    except Tag.DoesNotExist as exc:
        raise Http404 from exc
    if not request.htmx:
        return redirect("emails:detail", pk=message.pk)
    return render(request, "emails/_detail_tags.html", tags_context(request, message))


@require_POST
def message_action_view(request: HtmxUserRequest, pk: int) -> HttpResponse:
    """read/unread/flag/unflag/archive/trash/move/delete through the operations journal."""
    message = _message_or_404(request, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponse(_("Unknown action."), status=400)
    target: int | None = None
    if action == "move":
        try:
            target = int(request.POST.get("folder", ""))
        except ValueError:
            return HttpResponse(_("Choose a folder."), status=400)
        if not folders_for_user(user=request.user, account_id=message.account_id).filter(pk=target).exists():
            raise Http404
    operation: PendingOperation | None = None
    error = ""
    try:
        operation = message_action(
            user=request.user, message_id=message.pk, action=action, target_folder_id=target
        )
    except ActionError as exc:
        error = str(exc)
    except (Message.DoesNotExist, MailFolder.DoesNotExist) as exc:
        raise Http404 from exc
    if action == "delete" and not error:
        flash.success(request, _("The message was deleted."))
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = list_url()
            return response
        return redirect(list_url())
    done = {
        "mark_read": _("Marked as read."),
        "mark_unread": _("Marked as unread."),
        "flag": _("Flagged."),
        "unflag": _("Flag removed."),
        "archive": _("Archived."),
        "trash": _("Moved to the trash."),
        "move": _("Moved."),
    }.get(action, "")
    if not request.htmx:
        if error:
            flash.error(request, error)
        else:
            flash.success(request, done)
        return redirect("emails:detail", pk=message.pk)
    fresh = messages_for_user(user=request.user).filter(pk=message.pk).first()
    undoable = (
        operation
        if (operation is not None and action in UNDOABLE and operation.status == OperationStatus.PENDING)
        else None
    )
    return render(
        request,
        "emails/_detail_actions.html",
        actions_context(request, fresh, operation=undoable, done="" if error else done, error=error),
    )


@require_POST
def message_undo(request: HtmxUserRequest, pk: int, operation_id: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    if not PendingOperation.objects.filter(
        pk=operation_id, owner=request.user, message_id=message.pk
    ).exists():
        raise Http404
    error = ""
    try:
        operation_undo(user=request.user, operation_id=operation_id)
    except ActionError as exc:
        error = str(exc)
    if not request.htmx:
        if error:
            flash.error(request, error)
        return redirect("emails:detail", pk=message.pk)
    fresh = messages_for_user(user=request.user).filter(pk=message.pk).first()
    return render(
        request,
        "emails/_detail_actions.html",
        actions_context(request, fresh, done="" if error else _("Undone."), error=error),
    )


@require_POST
def message_remote_images_allow(request: HtmxUserRequest, pk: int) -> HttpResponse:
    """Allow remote images for this message or this sender; re-renders the body frame."""
    message = _message_or_404(request, pk)
    remote_images_allow(user=request.user, message=message, for_sender=request.POST.get("scope") == "sender")
    if not request.htmx:
        return redirect("emails:detail", pk=message.pk)
    return render(request, "emails/_detail_body.html", body_context(request, message, content_of(message)))
