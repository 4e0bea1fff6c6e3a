"""Owner-scoped reads for the dashboard and the message list.

Every function takes ``user`` first and never returns another user's rows. The list pages by keyset
(never OFFSET), so page 2000 costs what page 1 costs; each sort has a matching index (see the
``emails`` migration that adds the UI indexes).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.mail_selectors import mail_accounts_for_user
from accounts.models import MailAccount
from emails.models import FolderRole, MailFolder, Message, SyncRun, Triage
from mailhelper.text import text_without_controls

# Folders whose mail is not "mail to deal with": shown only when the user picks the folder itself.
HIDDEN_ROLES = (FolderRole.TRASH, FolderRole.JUNK, FolderRole.SENT, FolderRole.DRAFTS, FolderRole.ALL)
# Folders whose copies make a message no longer open (thrown away or judged junk).
DISCARDED_ROLES = (FolderRole.TRASH, FolderRole.JUNK)

SORTS = ("date", "score", "sender")
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200

# The columns a list row needs: the bodies and raw headers stay in the database.
ROW_FIELDS = (
    "id",
    "owner_id",
    "account_id",
    "folder_id",
    "logical_id",
    "subject",
    "from_name",
    "from_address",
    "received_at",
    "is_seen",
    "is_flagged",
    "is_answered",
    "has_attachments",
    "calendar_parts",
    "uid",
    "folder__name",
    "folder__role",
    "account__name",
)


def colour_for(*, urgency: int, importance: int) -> str:
    score = 2 * urgency + importance
    return "red" if score >= 8 else "yellow" if score >= 5 else "green"


# --- filters ----------------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    """What the list shows; ids are checked against the user's own rows before use (else 404)."""

    account_id: int | None = None
    folder_id: int | None = None
    cell: tuple[int, int] | None = None  # (urgency, importance)
    colour: str = ""
    category: str = ""
    tag_id: int | None = None
    unread: bool = False
    flagged: bool = False
    state: str = ""  # "" all, "open", "done"
    spam: bool = False  # only spam (spam is hidden otherwise)
    newsletter: bool = False
    invite: bool = False
    attachments: bool = False
    since: date | None = None
    until: date | None = None
    sort: str = "date"
    query: str = ""
    mode: str = "hybrid"
    # What was ignored and why, for the page (translated); never part of the links.
    notices: list[str] = field(default_factory=list)
    # An impossible date as typed, so the form shows it for correction.
    since_text: str = ""
    until_text: str = ""

    def params(self, **override: Any) -> dict[str, str]:
        """The GET parameters that reproduce these filters (for links: cells, sorts, pages)."""
        values: dict[str, Any] = {
            "account": self.account_id,
            "folder": self.folder_id,
            "cell": f"{self.cell[0]}-{self.cell[1]}" if self.cell else "",
            "colour": self.colour,
            "category": self.category,
            "tag": self.tag_id,
            "unread": "1" if self.unread else "",
            "flagged": "1" if self.flagged else "",
            "state": self.state,
            "spam": "1" if self.spam else "",
            "newsletter": "1" if self.newsletter else "",
            "invite": "1" if self.invite else "",
            "attachments": "1" if self.attachments else "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": self.sort if self.sort != "date" else "",
            "q": self.query,
            "mode": self.mode if self.query and self.mode != "hybrid" else "",
        }
        values.update(override)
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    @property
    def is_filtered(self) -> bool:
        return bool(set(self.params()) - {"sort"}) or bool(self.since_text or self.until_text)


def _int_or_none(value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise Http404("bad id") from None
    if number <= 0 or number > 2**62:
        raise Http404("bad id")
    return number


def _date_or_none(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(data: Any, key: str, limit: int = 100) -> str:
    """One GET value without control characters (a NUL in a query parameter is a database error)."""
    return text_without_controls(data.get(key) or "").strip()[:limit]


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


def list_filters_parse(data: Any) -> ListFilters:
    """Filters from GET data; ids that are not numbers are a 404 (never guessed). Other malformed values
    are dropped and named in ``notices``, so a typo never silently shows the whole list."""
    filters = ListFilters(
        account_id=_int_or_none(data.get("account")),
        folder_id=_int_or_none(data.get("folder")),
        tag_id=_int_or_none(data.get("tag")),
        unread=bool(data.get("unread")),
        flagged=bool(data.get("flagged")),
        spam=bool(data.get("spam")),
        newsletter=bool(data.get("newsletter")),
        invite=bool(data.get("invite")),
        attachments=bool(data.get("attachments")),
        query=_text(data, "q", 500),
    )
    notices = filters.notices
    for key in ("since", "until"):
        raw = _text(data, key)
        day = _date_or_none(raw)
        if raw and day is None:
            setattr(filters, f"{key}_text", raw)
            notices.append(
                _("Ignored the date “%(value)s”: not a valid date (use YYYY-MM-DD).") % {"value": _shown(raw)}
            )
        setattr(filters, key, day)
    if filters.since and filters.until and filters.since > filters.until:
        notices.append(_("“From” is after “Until”: no mail can match."))
    cell = _text(data, "cell")
    if len(cell) == 3 and cell[1] == "-" and cell[0] in "123" and cell[2] in "123":
        filters.cell = (int(cell[0]), int(cell[2]))
    elif cell:
        notices.append(
            _("Ignored the matrix cell “%(value)s”: use urgency and importance from 1 to 3, e.g. 3-3.")
            % {"value": _shown(cell)}
        )
    checks = (
        (
            "colour",
            ("red", "yellow", "green"),
            _("Ignored the colour “%(value)s”: use red, yellow or green."),
        ),
        (
            "category",
            Triage.Category.values,
            _("Ignored the category “%(value)s”: there is no such category."),
        ),
        ("state", ("open", "done"), _("Ignored the done filter “%(value)s”: use open or done.")),
        ("sort", SORTS, _("Ignored the sort order “%(value)s”: sorted by newest instead.")),
        (
            "mode",
            ("hybrid", "text", "semantic"),
            _("Ignored the search mode “%(value)s”: searched by words and meaning instead."),
        ),
    )
    for key, allowed, message in checks:
        value = _text(data, key)
        if value in allowed:
            setattr(filters, key, value)
        elif value:
            notices.append(message % {"value": _shown(value)})
    return filters


# --- the user's accounts and folders (for filters, and to check ids) ---------------------------------------


@dataclass
class MailScope:
    accounts: list[MailAccount]
    folders: list[MailFolder]
    hidden_folder_ids: list[int] = field(default_factory=list)
    discarded_folder_ids: list[int] = field(default_factory=list)

    @property
    def account_ids(self) -> set[int]:
        return {a.pk for a in self.accounts}


def mail_scope_for_user(*, user: Any) -> MailScope:
    """The user's accounts (not being deleted) and their selectable folders: two queries."""
    accounts = list(mail_accounts_for_user(user=user))
    account_ids = {a.pk for a in accounts}
    folders = [
        f
        for f in MailFolder.objects.filter(owner=user, is_selectable=True).only(
            "id", "account_id", "name", "role", "server_message_count"
        )
        if f.account_id in account_ids
    ]
    folders.sort(key=lambda f: (f.account_id, f.role != FolderRole.INBOX, f.name.lower()))
    hidden = [f.pk for f in folders if f.role in HIDDEN_ROLES]
    discarded = [f.pk for f in folders if f.role in DISCARDED_ROLES]
    return MailScope(
        accounts=accounts, folders=folders, hidden_folder_ids=hidden, discarded_folder_ids=discarded
    )


def list_filters_check(*, filters: ListFilters, scope: MailScope, tag_ids: set[int] | None) -> None:
    """Another user's (or a made-up) account, folder or tag id is a 404: it must never leak or act."""
    if filters.account_id is not None and filters.account_id not in scope.account_ids:
        raise Http404("no such account")
    if filters.folder_id is not None and filters.folder_id not in {f.pk for f in scope.folders}:
        raise Http404("no such folder")
    if filters.tag_id is not None and (tag_ids is None or filters.tag_id not in tag_ids):
        raise Http404("no such tag")


# --- the list -------------------------------------------------------------------------------------------


def _cursor_encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, sort: str) -> list[Any] | None:
    """The keyset position from an opaque cursor; None when it is malformed (the first page then)."""
    if not cursor or len(cursor) > 400:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list):
        return None
    try:
        if sort == "date" and len(values) == 2:
            received = parse_datetime(values[0])
            return [received, int(values[1])] if received else None
        if sort == "score" and len(values) == 3:
            return [int(values[0]), int(values[1]), int(values[2])]
        if sort == "sender" and len(values) == 3:
            received = parse_datetime(values[1])
            sender = text_without_controls(str(values[0]))[:500]
            return [sender, received, int(values[2])] if received else None
    except (TypeError, ValueError):
        return None
    return None


def _keyset(sort: str, position: list[Any]) -> Q:
    # The first conjunct bounds the index scan; the OR only settles ties.
    if sort == "score":
        score, logical_id, pk = position
        return Q(logical__triage__score__lte=score) & (
            Q(logical__triage__score__lt=score)
            | Q(logical__triage__score=score, logical_id__lt=logical_id)
            | Q(logical__triage__score=score, logical_id=logical_id, id__lt=pk)
        )
    if sort == "sender":
        sender, received, pk = position
        return Q(from_address__gte=sender) & (
            Q(from_address__gt=sender)
            | Q(from_address=sender, received_at__lt=received)
            | Q(from_address=sender, received_at=received, id__lt=pk)
        )
    received, pk = position
    return Q(received_at__lte=received) & (Q(received_at__lt=received) | Q(received_at=received, id__lt=pk))


ORDERINGS = {
    "date": ("-received_at", "-id"),
    "score": ("-logical__triage__score", "-logical_id", "-id"),
    "sender": ("from_address", "-received_at", "-id"),
}


def _position(sort: str, message: Message) -> list[Any]:
    if sort == "score":
        return [message.logical.triage.score, message.logical_id, message.pk]
    if sort == "sender":
        return [message.from_address, message.received_at, message.pk]
    return [message.received_at, message.pk]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def messages_filtered(*, user: Any, filters: ListFilters, scope: MailScope) -> QuerySet[Message]:
    """The user's messages matching ``filters`` (unordered); call ``list_filters_check`` first."""
    qs = Message.objects.filter(owner=user)
    qs = (
        qs.filter(account_id__in=scope.account_ids)
        if filters.account_id is None
        else qs.filter(account_id=filters.account_id)
    )
    if filters.folder_id is not None:
        qs = qs.filter(folder_id=filters.folder_id)
    elif scope.hidden_folder_ids:
        qs = qs.exclude(folder_id__in=scope.hidden_folder_ids)
    if filters.cell is not None:
        qs = qs.filter(logical__triage__urgency=filters.cell[0], logical__triage__importance=filters.cell[1])
    if filters.colour:
        qs = qs.filter(logical__triage__colour=filters.colour)
    if filters.category:
        qs = qs.filter(logical__triage__category=filters.category)
    if filters.tag_id is not None:
        qs = qs.filter(_tag_condition(user, filters.tag_id))
    if filters.unread:
        qs = qs.filter(is_seen=False)
    if filters.flagged:
        qs = qs.filter(is_flagged=True)
    if filters.state == "open":
        qs = qs.filter(logical__triage__done_at__isnull=True)
    elif filters.state == "done":
        qs = qs.filter(logical__triage__done_at__isnull=False)
    if filters.spam:
        qs = qs.filter(logical__triage__is_spam=True)
    elif filters.folder_id is None and filters.category != Triage.Category.SPAM:
        # choosing the spam category asks for spam: hiding it would always list nothing
        qs = qs.exclude(logical__triage__is_spam=True)
    if filters.newsletter:
        qs = qs.filter(logical__triage__is_newsletter=True)
    if filters.invite:
        qs = qs.filter(Q(logical__triage__invite__isnull=False) | ~Q(calendar_parts=[]))
    if filters.attachments:
        qs = qs.filter(has_attachments=True)
    if filters.since:
        qs = qs.filter(received_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(received_at__lt=_day_start(filters.until + timedelta(days=1)))
    return qs


def _tag_condition(user: Any, tag_id: int) -> Q:
    from tags.models import MessageTag

    return Q(Exists(MessageTag.objects.filter(owner=user, tag_id=tag_id, logical_id=OuterRef("logical_id"))))


def tags_for_filter(*, user: Any) -> list[Any]:
    """The user's tags (for the filter and the bulk "tag" action); empty while the tags app is missing."""
    try:
        from tags.models import Tag
    except ImportError:  # built in parallel; the list works without it
        return []
    return list(Tag.objects.filter(owner=user).only("id", "name", "colour").order_by("name"))


def search_hits(*, user: Any, query: str, limit: int, mode: str) -> tuple[list[int], str]:
    """Message ids for a search, best first, and a note when only the fallback could answer."""
    try:
        from emails.search import search_for_user
    except ImportError:
        search_for_user = None
    query = text_without_controls(query).strip()
    if not query:
        return [], ""
    if search_for_user is not None:
        hits = search_for_user(user=user, query=query, limit=limit, mode=mode)
        return [hit.message_id for hit in hits], ""
    # Fallback until the search engine lands: subject/sender substring, newest first.
    ids = list(
        Message.objects.filter(owner=user)
        .filter(
            Q(subject__icontains=query) | Q(from_address__icontains=query) | Q(from_name__icontains=query)
        )
        .order_by("-received_at", "-id")
        .values_list("id", flat=True)[:limit]
    )
    return ids, "fallback"


@dataclass
class MessagePage:
    rows: list[Message]
    next_cursor: str | None
    searched: bool = False
    search_note: str = ""


def message_page(
    *, user: Any, filters: ListFilters, scope: MailScope, cursor: str = "", size: int = PAGE_SIZE_DEFAULT
) -> MessagePage:
    """One page of the list: one query whatever the page size (rows come with folder, account, triage)."""
    size = max(1, min(size, PAGE_SIZE_MAX))
    qs = messages_filtered(user=user, filters=filters, scope=scope)
    if filters.sort == "score":  # driven by the triage index (owner, score, logical): analysed mail only
        qs = qs.filter(logical__triage__owner=user)
    position = cursor_decode(cursor, filters.sort)
    if position is not None:
        qs = qs.filter(_keyset(filters.sort, position))
    rows = list(
        qs.select_related("folder", "account", "logical__triage")
        .only(*ROW_FIELDS, *_TRIAGE_FIELDS)
        .order_by(*ORDERINGS[filters.sort])[: size + 1]
    )
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = _cursor_encode(_position(filters.sort, rows[-1]))
    _triage_attach(rows)
    return MessagePage(rows=rows, next_cursor=next_cursor)


_TRIAGE_FIELDS = (
    "logical__id",
    "logical__triage__id",
    "logical__triage__urgency",
    "logical__triage__importance",
    "logical__triage__score",
    "logical__triage__colour",
    "logical__triage__category",
    "logical__triage__summary",
    "logical__triage__done_at",
    "logical__triage__is_spam",
    "logical__triage__is_newsletter",
    "logical__triage__invite",
    "logical__triage__deadline",
)


def _triage_attach(rows: list[Message]) -> None:
    """Per-row values the template needs, computed once here (template lookups cost more than Python)."""
    detail_prefix = _detail_url_prefix()
    for row in rows:
        try:
            triage = row.logical.triage
        except Triage.DoesNotExist:
            triage = None
        row.triage = triage  # type: ignore[attr-defined]
        row.key = str(row.pk)  # type: ignore[attr-defined]
        row.detail_url = detail_prefix.replace("999999999", row.key) if detail_prefix else ""  # type: ignore[attr-defined]
        row.sender_label = row.from_name or row.from_address  # type: ignore[attr-defined]
        row.has_invite = bool((triage and triage.invite) or row.calendar_parts)  # type: ignore[attr-defined]


def _detail_url_prefix() -> str:
    """``emails:detail`` for a placeholder id (reversed once per page, not once per row)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("emails:detail", args=[999999999])
    except NoReverseMatch:  # the detail page is built in parallel
        return ""


def message_search_page(
    *, user: Any, filters: ListFilters, scope: MailScope, size: int = PAGE_SIZE_DEFAULT
) -> MessagePage:
    """Search results (best first, one page), still narrowed by the other filters."""
    hits, note = search_hits(user=user, query=filters.query, limit=size, mode=filters.mode)
    order = {hit_id: i for i, hit_id in enumerate(hits)}
    qs = messages_filtered(user=user, filters=filters, scope=scope).filter(pk__in=list(order))
    rows = list(qs.select_related("folder", "account", "logical__triage").only(*ROW_FIELDS, *_TRIAGE_FIELDS))
    rows.sort(key=lambda row: order[row.pk])
    _triage_attach(rows)
    return MessagePage(rows=rows, next_cursor=None, searched=True, search_note=note)


# --- the dashboard --------------------------------------------------------------------------------------


def _open_triage(*, user: Any, scope: MailScope, account_id: int | None) -> QuerySet[Triage]:
    """Open mail: analysed, not done, not spam, with no copy thrown away (Trash/Junk)."""
    qs = Triage.objects.filter(owner=user, done_at__isnull=True, is_spam=False)
    if scope.discarded_folder_ids:
        discarded = Message.objects.filter(
            folder_id__in=scope.discarded_folder_ids, logical_id=OuterRef("logical_id")
        )
        qs = qs.filter(~Exists(discarded))
    if account_id is not None:
        qs = qs.filter(
            Exists(Message.objects.filter(account_id=account_id, logical_id=OuterRef("logical_id")))
        )
    return qs


@dataclass
class MatrixCell:
    urgency: int
    importance: int
    count: int

    @property
    def score(self) -> int:
        return 2 * self.urgency + self.importance

    @property
    def colour(self) -> str:
        return colour_for(urgency=self.urgency, importance=self.importance)


@dataclass
class Matrix:
    rows: list[list[MatrixCell]]  # urgency 3..1 (top to bottom), importance 1..3 (left to right)
    total: int
    account_id: int | None


def matrix_for_user(*, user: Any, scope: MailScope, account_id: int | None = None) -> Matrix:
    """Counts of open mail per urgency × importance cell: one grouped query."""
    counts = {
        (row["urgency"], row["importance"]): row["n"]
        for row in _open_triage(user=user, scope=scope, account_id=account_id)
        .values("urgency", "importance")
        .annotate(n=Count("id"))
        .order_by()
    }
    rows = [
        [MatrixCell(urgency=u, importance=i, count=counts.get((u, i), 0)) for i in (1, 2, 3)]
        for u in (3, 2, 1)
    ]
    return Matrix(rows=rows, total=sum(counts.values()), account_id=account_id)


@dataclass
class Totals:
    open: int
    done: int
    today: int
    unread: int


def totals_for_user(*, user: Any, scope: MailScope, matrix: Matrix) -> Totals:
    account_ids = [matrix.account_id] if matrix.account_id else list(scope.account_ids)
    visible = Message.objects.filter(owner=user, account_id__in=account_ids).exclude(
        folder_id__in=scope.hidden_folder_ids
    )
    today_start = _day_start(timezone.localdate())
    done = Triage.objects.filter(owner=user, done_at__isnull=False)
    if matrix.account_id:
        done = done.filter(
            Exists(Message.objects.filter(account_id=matrix.account_id, logical_id=OuterRef("logical_id")))
        )
    return Totals(
        open=matrix.total,
        done=done.count(),
        today=visible.filter(received_at__gte=today_start).count(),
        unread=visible.filter(is_seen=False).count(),
    )


@dataclass
class ChartDay:
    day: date
    total: int
    red: int = 0
    yellow: int = 0
    green: int = 0
    pending: int = 0


@dataclass
class Charts:
    days: list[ChartDay]
    max_total: int
    red: int
    yellow: int
    green: int
    pending: int

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.green + self.pending


CHART_DAYS = 30


def charts_for_user(*, user: Any, scope: MailScope, account_id: int | None = None) -> Charts:
    """Mail per day and its priority mix over the last 30 days: one grouped query."""
    today = timezone.localdate()
    first = today - timedelta(days=CHART_DAYS - 1)
    account_ids = [account_id] if account_id else list(scope.account_ids)
    rows = (
        Message.objects.filter(owner=user, account_id__in=account_ids, received_at__gte=_day_start(first))
        .exclude(folder_id__in=scope.hidden_folder_ids)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "logical__triage__colour")
        .annotate(n=Count("id"))
        .order_by()
    )
    days = {
        first + timedelta(days=i): ChartDay(day=first + timedelta(days=i), total=0) for i in range(CHART_DAYS)
    }
    for row in rows:
        entry = days.get(row["day"])
        if entry is None:
            continue
        colour = row["logical__triage__colour"] or "pending"
        setattr(entry, colour, getattr(entry, colour) + row["n"])
        entry.total += row["n"]
    ordered = list(days.values())
    return Charts(
        days=ordered,
        max_total=max((d.total for d in ordered), default=0),
        red=sum(d.red for d in ordered),
        yellow=sum(d.yellow for d in ordered),
        green=sum(d.green for d in ordered),
        pending=sum(d.pending for d in ordered),
    )


@dataclass
class AccountStatus:
    account: MailAccount
    is_syncing: bool
    last_run: SyncRun | None


def account_statuses_for_user(*, user: Any, scope: MailScope) -> list[AccountStatus]:
    """Each account with whether a sync runs now and its latest run: one query for all runs."""
    latest: dict[int, SyncRun] = {}
    if scope.accounts:
        for run in (
            SyncRun.objects.filter(owner=user, account_id__in=scope.account_ids)
            .order_by("account_id", "-started_at", "-id")
            .distinct("account_id")
        ):
            latest[run.account_id] = run
    out = []
    for account in scope.accounts:
        last_run = latest.get(account.pk)
        syncing = last_run is not None and last_run.finished_at is None and last_run.status == "running"
        out.append(AccountStatus(account=account, is_syncing=syncing, last_run=last_run))
    return out
