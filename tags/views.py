"""The tags management page: list, create, rename/recolour, delete (owner-scoped)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tags.models import Tag
from tags.selectors import tags_for_user
from tags.services import TagError, tag_create, tag_delete, tag_update


@require_http_methods(["GET", "POST"])
def tag_list(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            tag = tag_create(
                user=request.user, name=request.POST.get("name", ""), colour=request.POST.get("colour")
            )
        except TagError as exc:
            error = str(exc)
        else:
            flash.success(request, _("Tag “%(name)s” created.") % {"name": tag.name})
            return redirect("emails:tags")
    response = render(
        request, "tags/tag_list.html", {"tags": tags_for_user(user=request.user), "error": error}
    )
    if error:
        response.status_code = 422
    return response


@require_POST
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    try:
        tag_update(
            user=request.user,
            tag_id=tag_id,
            name=request.POST.get("name", ""),
            colour=request.POST.get("colour", ""),
        )
    except Tag.DoesNotExist as exc:
        raise Http404 from exc
    except TagError as exc:
        flash.error(request, str(exc))
    return redirect("emails:tags")


@require_POST
def tag_delete_view(request: HttpRequest, tag_id: int) -> HttpResponse:
    try:
        tag_delete(user=request.user, tag_id=tag_id)
    except Tag.DoesNotExist as exc:
        raise Http404 from exc
    flash.success(request, _("Tag deleted."))
    return redirect("emails:tags")
