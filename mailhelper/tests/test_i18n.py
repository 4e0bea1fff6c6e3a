"""The German catalog: complete, compiled in step, covering every marked string; the language switch works."""

from __future__ import annotations

import gettext
import io
import re
import shutil
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from mailhelper.testing.requirements import require_program

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_PATH = LOCALE_DIR / "de" / "LC_MESSAGES" / "django.po"
MO_PATH = LOCALE_DIR / "de" / "LC_MESSAGES" / "django.mo"

# The same call the translators run (see the commit history of locale/); tests stay out of the catalog.
MAKEMESSAGES_IGNORE = [".venv", "var", "bench", "*/tests/*", "node_modules"]

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]")


def catalog_problems(po: polib.POFile) -> list[str]:
    """Every entry of ``po`` that would show English (or a guess) to a German user, one line each."""
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            problems.append(
                f"untranslated: {entry.msgid!r} ({', '.join(f for f, _ in entry.occurrences[:2])})"
            )
    return problems


def test_catalog_has_no_untranslated_or_fuzzy_entries() -> None:
    """GIVEN the committed German catalog WHEN it is read THEN every entry has a reviewed translation."""
    po = polib.pofile(str(PO_PATH))
    assert len(po) > 100  # the catalog really is the app's, not an empty file
    assert catalog_problems(po) == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "de"
    assert po.metadata["Plural-Forms"].startswith("nplurals=2;")


def test_catalog_problems_are_found() -> None:
    """GIVEN a catalog with an empty and a fuzzy entry WHEN it is checked THEN both are reported."""
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Inbox", msgstr="Posteingang"))
    po.append(polib.POEntry(msgid="Trash", msgstr=""))
    po.append(polib.POEntry(msgid="Archive", msgstr="Archiv", flags=["fuzzy"]))
    assert catalog_problems(po) == ["untranslated: 'Trash' ()", "fuzzy: 'Archive'"]


def test_translations_keep_every_placeholder() -> None:
    """GIVEN the German catalog WHEN placeholders are compared THEN each translation has the same ones."""
    mismatches = []
    for entry in polib.pofile(str(PO_PATH)):
        if entry.msgid_plural:
            sources = {0: entry.msgid, 1: entry.msgid_plural}
            pairs = [(sources[min(int(n), 1)], text) for n, text in entry.msgstr_plural.items()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                mismatches.append((source, text))
    assert mismatches == []


def mo_catalog(path: Path) -> tuple[dict[Any, str], list[int]]:
    """The messages Django would load from the .mo at ``path`` (header left out) and its plural choices."""
    with path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    messages = {key: value for key, value in translations._catalog.items() if key != ""}  # type: ignore[attr-defined]
    plural = [translations.plural(n) for n in range(0, 30)]  # type: ignore[attr-defined]
    return messages, plural


def test_compiled_catalog_is_in_step_with_the_po(tmp_path: Path) -> None:
    """GIVEN the committed .po and .mo WHEN the .po is compiled afresh THEN the .mo holds the same messages."""
    fresh = tmp_path / "django.mo"
    polib.pofile(str(PO_PATH)).save_as_mofile(str(fresh))
    committed_messages, committed_plural = mo_catalog(MO_PATH)
    fresh_messages, fresh_plural = mo_catalog(fresh)
    assert len(committed_messages) > 100
    assert committed_plural == fresh_plural
    missing = sorted(str(k) for k in fresh_messages.keys() - committed_messages.keys())
    stale = sorted(str(k) for k in committed_messages.keys() - fresh_messages.keys())
    differing = sorted(
        str(k)
        for k in fresh_messages.keys() & committed_messages.keys()
        if fresh_messages[k] != committed_messages[k]
    )
    assert (missing, stale, differing) == ([], [], [])


def test_every_marked_string_is_in_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the source tree WHEN makemessages runs into a copy of the catalog THEN nothing new is untranslated.

    makemessages writes next to the first LOCALE_PATHS entry whose parent holds the scanned file, so it runs in a
    temporary tree of symlinks to the project (all but locale/) with a copy of locale/: the repository's own
    catalog is never touched.
    """
    for program in ("xgettext", "msgmerge", "msguniq", "msgattrib"):
        require_program(program, install_hint="apt-get install gettext")
    base = Path(settings.BASE_DIR)
    tree = tmp_path / "tree"
    tree.mkdir()
    for child in base.iterdir():
        if child.name != "locale":
            (tree / child.name).symlink_to(child)
    shutil.copytree(LOCALE_DIR, tree / "locale")
    monkeypatch.chdir(tree)
    before = PO_PATH.read_bytes()

    with override_settings(LOCALE_PATHS=[tree / "locale"]):
        call_command(
            "makemessages",
            locale=["de"],
            ignore_patterns=MAKEMESSAGES_IGNORE,
            symlinks=True,
            no_obsolete=True,
            verbosity=0,
            stdout=io.StringIO(),
        )

    assert PO_PATH.read_bytes() == before  # the repository's catalog was left alone...
    extracted = polib.pofile(str(tree / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    assert "Log out" in {entry.msgid for entry in extracted}  # ...and the copy really was re-extracted
    assert catalog_problems(extracted) == [], (
        "strings marked for translation are missing from locale/de: run makemessages, translate, compilemessages"
    )


@pytest.mark.django_db
def test_language_switch_changes_the_page_language(verified_client: Any, alice: Any) -> None:
    """GIVEN alice on the dashboard WHEN she switches to German and back THEN the page follows each time."""
    client = verified_client(alice)
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert '<html lang="en"' in english.content.decode()
    assert "Log out" in english.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert switched.status_code == 302
    german = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de"' in german
    assert "Abmelden" in german
    assert "Einstellungen" in german
    assert "Log out" not in german

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english_again = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in english_again
    assert "Log out" in english_again
    assert "Abmelden" not in english_again
