"""Threads on real PostgreSQL: links in any order, gaps and loops, subject fallback, owners kept apart."""

from __future__ import annotations

from typing import Any

import pytest

from emails.models import Thread, ThreadMembership
from emails.search.tests.mail import mail_make
from emails.threads.selectors import thread_context, thread_for_message
from emails.threads.services import threads_assign
from emails.threads.subjects import NormalizedSubject, subject_normalize


@pytest.mark.parametrize(
    ("subject", "key", "is_reply"),
    [
        ("Budget 2026", "budget 2026", False),
        ("Re: Budget 2026", "budget 2026", True),
        ("AW: WG: Budget 2026", "budget 2026", True),
        ("RE[2]: Budget 2026", "budget 2026", True),
        ("Fwd: FW: TR: R: Antw: SV: Budget 2026", "budget 2026", True),
        ("[team-list] Re: [team-list] Budget 2026", "budget 2026", True),
        ("re:budget   2026", "budget 2026", True),
        ("Budget 2026 (fwd)", "budget 2026", True),
        ("Reminder: Budget", "reminder: budget", False),
        ("", "", False),
    ],
)
def test_subject_normalize(subject: str, key: str, is_reply: bool) -> None:
    """GIVEN subjects with reply/forward prefixes of many languages and list tags THEN one key."""
    assert subject_normalize(subject) == NormalizedSubject(key, is_reply)


def thread_of(message: Any) -> int | None:
    return (
        ThreadMembership.objects.filter(logical_id=message.logical_id)
        .values_list("thread_id", flat=True)
        .first()
    )


def assign(owner: Any, *messages: Any) -> None:
    threads_assign(owner_id=owner.pk, logical_ids=[m.logical_id for m in messages])


@pytest.mark.django_db
def test_reply_chain_with_a_missing_middle_message(alice: Any) -> None:
    """GIVEN A and C (C answers B, which answers A) but not B WHEN threaded THEN A and C are one thread;
    WHEN B arrives later THEN it joins that thread."""
    a = mail_make(alice, subject="Plan", message_id="a@x", index=False)
    c = mail_make(
        alice,
        subject="Re: Plan",
        message_id="c@x",
        in_reply_to="b@x",
        references=["a@x", "b@x"],
        minutes=20,
        index=False,
    )
    assign(alice, a, c)
    assert thread_of(a) == thread_of(c) is not None
    b = mail_make(
        alice,
        subject="Re: Plan",
        message_id="b@x",
        in_reply_to="a@x",
        references=["a@x"],
        minutes=10,
        index=False,
    )
    assign(alice, b)
    assert thread_of(b) == thread_of(a)
    thread_id = thread_of(a)
    assert thread_id is not None
    thread = Thread.objects.get(pk=thread_id)
    assert (thread.message_count, thread.subject) == (3, "Plan")


@pytest.mark.django_db
def test_replies_arriving_before_their_originals(alice: Any) -> None:
    """GIVEN the newest reply first, then the middle one, then the original (each its own batch) THEN one
    thread; the subject is the original's once it is there."""
    c = mail_make(
        alice, subject="Re: Re: Offer", message_id="C@x", in_reply_to="B@x", minutes=20, index=False
    )
    assign(alice, c)
    b = mail_make(alice, subject="Re: Offer", message_id="B@x", in_reply_to="A@x", minutes=10, index=False)
    assign(alice, b)
    assert thread_of(b) == thread_of(c)  # linked through the key C left behind for B
    a = mail_make(alice, subject="Offer", message_id="A@x", index=False)
    assign(alice, a)
    assert thread_of(a) == thread_of(b) == thread_of(c)
    thread = Thread.objects.get(owner=alice)
    assert (thread.message_count, thread.subject) == (3, "Offer")


@pytest.mark.django_db
def test_a_later_message_joins_two_threads_into_one(alice: Any) -> None:
    """GIVEN B (answering A) and C stored before A, in two threads WHEN A arrives, referring to C THEN
    the threads merge and no empty thread is left."""
    b = mail_make(alice, subject="Re: X", message_id="b2@x", in_reply_to="a2@x", index=False)
    c = mail_make(alice, subject="Y", message_id="c2@x", index=False)
    assign(alice, b, c)
    assert thread_of(b) != thread_of(c)
    a = mail_make(alice, subject="X", message_id="a2@x", references=["c2@x"], minutes=5, index=False)
    assign(alice, a)
    assert thread_of(a) == thread_of(b) == thread_of(c)
    assert Thread.objects.filter(owner=alice).count() == 1
    assert Thread.objects.get(owner=alice).message_count == 3


@pytest.mark.django_db
def test_reference_loops_do_not_break_threading(alice: Any) -> None:
    """GIVEN two messages referring to each other (and one to itself) and a reply to one WHEN threaded in
    one batch and again THEN one thread of three, without error."""
    a = mail_make(alice, subject="Loop", message_id="la@x", references=["lb@x", "la@x"], index=False)
    b = mail_make(
        alice,
        subject="Re: Loop",
        message_id="lb@x",
        references=["la@x"],
        in_reply_to="la@x",
        minutes=1,
        index=False,
    )
    c = mail_make(alice, subject="Re: Loop", message_id="lc@x", in_reply_to="lb@x", minutes=2, index=False)
    assign(alice, a, b, c)
    assign(alice, c, b, a)  # idempotent
    assert thread_of(a) == thread_of(b) == thread_of(c)
    assert Thread.objects.get(owner=alice).message_count == 3


@pytest.mark.django_db
def test_subject_fallback_joins_a_reply_without_headers_between_the_same_people(alice: Any) -> None:
    """GIVEN alice's "Budget 2026" to bob WHEN bob's "AW: Budget 2026" arrives without any reference
    headers (and then alice's "Re: AW: …") THEN all three are one thread."""
    original = mail_make(
        alice, subject="Budget 2026", from_address="alice@example.org", to=["bob@example.org"], index=False
    )
    assign(alice, original)
    reply = mail_make(
        alice,
        subject="AW: Budget 2026",
        from_address="Bob@Example.org",
        to=["alice@example.org"],
        minutes=30,
        index=False,
    )
    assign(alice, reply)
    again = mail_make(
        alice,
        subject="Re: AW: Budget 2026",
        from_address="alice@example.org",
        to=["bob@example.org"],
        minutes=60,
        index=False,
    )
    assign(alice, again)
    assert thread_of(original) == thread_of(reply) == thread_of(again)


@pytest.mark.django_db
def test_subject_fallback_never_joins_unrelated_people(alice: Any) -> None:
    """GIVEN "Hello" from dave to alice WHEN "Re: Hello" arrives from carol (no headers) THEN two threads;
    positive control: dave's own "Re: Hello" joins his."""
    hello = mail_make(
        alice, subject="Hello", from_address="dave@example.org", to=["alice@example.org"], index=False
    )
    other = mail_make(
        alice,
        subject="Re: Hello",
        from_address="carol@example.org",
        to=["alice@example.org"],
        minutes=5,
        index=False,
    )
    assign(alice, hello, other)
    assert thread_of(hello) != thread_of(other)
    daves = mail_make(
        alice,
        subject="Re: Hello",
        from_address="dave@example.org",
        to=["alice@example.org"],
        minutes=10,
        index=False,
    )
    assign(alice, daves)
    assert thread_of(daves) == thread_of(hello)


@pytest.mark.django_db
def test_two_originals_with_the_same_subject_stay_apart(alice: Any) -> None:
    """GIVEN two weekly mails "Weekly report" from the same sender, neither a reply THEN two threads."""
    first = mail_make(
        alice, subject="Weekly report", from_address="boss@example.org", to=["alice@example.org"], index=False
    )
    second = mail_make(
        alice,
        subject="Weekly report",
        from_address="boss@example.org",
        to=["alice@example.org"],
        minutes=7 * 24 * 60,
        index=False,
    )
    assign(alice, first, second)
    assert thread_of(first) != thread_of(second)


@pytest.mark.django_db
def test_threads_never_cross_owners(alice: Any, bob: Any) -> None:
    """GIVEN alice and bob each holding a copy of the same conversation (same Message-IDs) WHEN threaded
    THEN each has their own thread, and neither sees the other's through the selector."""
    a1 = mail_make(alice, subject="Shared", message_id="s1@x", index=False)
    b2 = mail_make(bob, subject="Re: Shared", message_id="s2@x", in_reply_to="s1@x", minutes=1, index=False)
    b1 = mail_make(bob, subject="Shared", message_id="s1@x", index=False)
    threads_assign(owner_id=alice.pk, logical_ids=[a1.logical_id, b2.logical_id])  # bob's id is ignored
    assign(bob, b1, b2)
    assert thread_of(a1) != thread_of(b1)
    assert thread_of(b1) == thread_of(b2)
    alice_thread_id = thread_of(a1)
    assert alice_thread_id is not None
    assert Thread.objects.get(pk=alice_thread_id).owner_id == alice.pk
    assert [m.logical_id for m in thread_for_message(user=bob, logical_id=b2.logical_id)] == [
        b1.logical_id,
        b2.logical_id,
    ]
    assert thread_for_message(user=alice, logical_id=b2.logical_id) == []
    assert [m.logical_id for m in thread_for_message(user=alice, logical_id=a1.logical_id)] == [a1.logical_id]


@pytest.mark.django_db
def test_thread_for_message_is_in_date_order_and_context_holds_earlier_mail(alice: Any) -> None:
    """GIVEN a thread of four WHEN asked for the third THEN the thread comes oldest first, and the
    analyzer's context holds the (limited) earlier messages with their text, not later ones."""
    from emails.models import MessageContent

    mails = [
        mail_make(
            alice,
            subject="Trip" if i == 0 else "Re: Trip",
            message_id=f"t{i}@x",
            in_reply_to=f"t{i - 1}@x" if i else "",
            minutes=10 * i,
            body=f"text {i}",
            from_name=f"P{i}",
            from_address=f"p{i}@example.org",
            index=False,
        )
        for i in (3, 0, 2, 1)
    ]
    assign(alice, *mails)
    by_number = {m.message_id: m for m in mails}
    MessageContent.objects.create(logical_id=by_number["t1@x"].logical_id, owner=alice, new_text="only new")
    ordered = thread_for_message(user=alice, logical_id=by_number["t2@x"].logical_id)
    assert [m.subject for m in ordered] == ["Trip", "Re: Trip", "Re: Trip", "Re: Trip"]
    assert [m.sender for m in ordered] == [f"P{i} <p{i}@example.org>" for i in range(4)]
    context = thread_context(logical_id=by_number["t2@x"].logical_id, limit=5)
    assert [(c["sender"], c["text"]) for c in context] == [
        ("P0 <p0@example.org>", "text 0"),
        ("P1 <p1@example.org>", "only new"),
    ]
    assert [c["text"] for c in thread_context(logical_id=by_number["t3@x"].logical_id, limit=2)] == [
        "only new",
        "text 2",
    ]
