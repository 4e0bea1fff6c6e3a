"""Tags on the detail page (htmx add/remove) and the tag services' owner checks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emails.models import LogicalMessage
from tags.models import MessageTag, Tag
from tags.selectors import tags_for_message
from tags.services import TagError, tag_add, tag_remove, tags_add_bulk
from tags.tests.factories import message_make

pytestmark = pytest.mark.django_db


def test_add_and_remove_a_tag_with_htmx(verified_client, alice):
    """GIVEN alice's message WHEN she adds then removes a tag THEN the fragment re-renders with and without it."""
    message = message_make(alice)
    client = verified_client(alice)
    response = client.post(
        reverse("emails:detail_tag_add", args=[message.pk]), {"name": " Work  items "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"Work items" in response.content
    tag = Tag.objects.get(owner=alice)
    assert tag.name == "Work items"
    response = client.post(
        reverse("emails:detail_tag_remove", args=[message.pk, tag.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not MessageTag.objects.exists()


def test_tag_names_are_unique_per_owner_ignoring_case(alice, bob):
    """GIVEN alice's tag "Work" WHEN she adds "work" and bob adds "Work" THEN alice has one tag, bob his own."""
    a1, a2 = message_make(alice), message_make(alice)
    first = tag_add(user=alice, logical_id=a1.logical_id, name="Work")
    second = tag_add(user=alice, logical_id=a2.logical_id, name="work")
    assert first.pk == second.pk
    bobs = tag_add(user=bob, logical_id=message_make(bob).logical_id, name="Work")
    assert bobs.pk != first.pk
    assert [t.name for t in tags_for_message(user=alice, logical_id=a2.logical_id)] == ["Work"]


def test_tag_services_refuse_other_users_messages_and_tags(alice, charlie):
    """GIVEN alice's message and tag WHEN charlie's services touch them THEN DoesNotExist, bulk ignores them."""
    message = message_make(alice)
    tag = tag_add(user=alice, logical_id=message.logical_id, name="x")
    with pytest.raises(LogicalMessage.DoesNotExist):
        tag_add(user=charlie, logical_id=message.logical_id, name="y")
    with pytest.raises(LogicalMessage.DoesNotExist):
        tag_remove(user=charlie, logical_id=message.logical_id, tag_id=tag.pk)
    assert tags_add_bulk(user=charlie, logical_ids=[message.logical_id], name="z") == 0
    assert MessageTag.objects.filter(logical=message.logical).count() == 1


def test_empty_and_long_tag_names_are_refused(alice):
    """GIVEN a message WHEN a blank or over-long tag is added THEN TagError."""
    message = message_make(alice)
    with pytest.raises(TagError):
        tag_add(user=alice, logical_id=message.logical_id, name="   ")
    with pytest.raises(TagError):
        tag_add(user=alice, logical_id=message.logical_id, name="x" * 65)


def test_tags_page_owner_only(verified_client, alice, charlie):
    """GIVEN alice's tag WHEN charlie edits or deletes it THEN 404; alice can do both."""
    tag = Tag.objects.create(owner=alice, name="mine")
    other = verified_client(charlie)
    assert other.get(reverse("emails:tags")).status_code == 200
    assert b"mine" not in other.get(reverse("emails:tags")).content
    assert (
        other.post(reverse("emails:tag_edit", args=[tag.pk]), {"name": "x", "colour": "#000000"}).status_code
        == 404
    )
    assert other.post(reverse("emails:tag_delete", args=[tag.pk])).status_code == 404
    owner = verified_client(alice)
    assert b"mine" in owner.get(reverse("emails:tags")).content
    assert (
        owner.post(
            reverse("emails:tag_edit", args=[tag.pk]), {"name": "ours", "colour": "#112233"}
        ).status_code
        == 302
    )
    tag.refresh_from_db()
    assert (tag.name, tag.colour) == ("ours", "#112233")
    assert owner.post(reverse("emails:tag_delete", args=[tag.pk])).status_code == 302
    assert not Tag.objects.exists()


def test_htmx_swaps_validation_errors_but_not_other_failures(verified_client, alice):
    """GIVEN any page WHEN its htmx config is read THEN 422 is swapped like a success (the fragment carries the
    error) and other 4xx/5xx stay errors that are not swapped."""
    import json
    import re

    message = message_make(alice)
    html = verified_client(alice).get(reverse("emails:detail", args=[message.pk])).content.decode()
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert found is not None
    config = json.loads(found.group(1))
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False

    def first_rule(code: str) -> dict:
        return next(rule for rule in config["responseHandling"] if re.fullmatch(rule["code"], code))

    assert first_rule("422")["swap"] is True
    assert not first_rule("422").get("error")
    assert first_rule("200")["swap"] is True
    assert first_rule("204")["swap"] is False
    for code in ("400", "403", "404", "500", "503"):
        assert first_rule(code)["swap"] is False
        assert first_rule(code)["error"] is True
