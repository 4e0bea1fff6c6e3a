"""Reply splitting: new text, signature and quoted history, in the languages our users write."""

from __future__ import annotations

from emails.sanitize import SignatureKind, reply_split, reply_split_html


def test_english_on_wrote_header_starts_the_history():
    """GIVEN a reply above "On … wrote:" WHEN split THEN the new text is only the reply."""
    parts = reply_split(
        text="Sounds good.\n\nOn Mon, Mar 2, 2020 at 10:00 AM, Ann <ann@example.org> wrote:\n> Lunch?\n"
    )
    assert parts.visible == "Sounds good."
    assert parts.quoted.startswith("On Mon")
    assert "> Lunch?" in parts.quoted


def test_gmail_header_wrapped_over_two_lines_is_recognised():
    """GIVEN Gmail's header split after "<" WHEN split THEN both header lines belong to the history."""
    parts = reply_split(
        text="Yes.\n\nOn Tue, Apr 29, 2014 at 4:25 PM, Bob Example <\nbob@example.org> wrote:\n\n> Question?\n"
    )
    assert parts.visible == "Yes."
    assert "bob@example.org> wrote:" in parts.quoted


def test_german_am_schrieb_header_starts_the_history():
    """GIVEN "Am … schrieb …:" WHEN split THEN the German reply stands alone."""
    parts = reply_split(
        text="Passt.\n\nAm 12.03.2020 um 10:00 schrieb Max Muster <max@example.de>:\n> Termin?\n"
    )
    assert parts.visible == "Passt."


def test_french_a_ecrit_header_starts_the_history():
    """GIVEN "Le … a écrit :" WHEN split THEN the French reply stands alone."""
    parts = reply_split(
        text="D'accord.\n\nLe 3 mars 2020 à 10:00, Jean <jean@example.fr> a écrit :\n> Salut\n"
    )
    assert parts.visible == "D'accord."


def test_italian_ha_scritto_header_starts_the_history():
    """GIVEN "Il … ha scritto:" WHEN split THEN the Italian reply stands alone."""
    parts = reply_split(
        text="Va bene.\n\nIl giorno 3 mar 2020, alle ore 10:00, Mario <m@example.it> ha scritto:\n> Ciao\n"
    )
    assert parts.visible == "Va bene."


def test_outlook_original_message_block_starts_the_history():
    """GIVEN "-----Ursprüngliche Nachricht-----" and a Von:/Gesendet: block WHEN split THEN all of it is history."""
    text = "Erledigt.\n\n-----Ursprüngliche Nachricht-----\nVon: A <a@example.de>\nGesendet: Montag\nAn: B\nBetreff: X\n\nBitte prüfen."
    parts = reply_split(text=text)
    assert parts.visible == "Erledigt."
    assert "Bitte prüfen." in parts.quoted


def test_outlook_header_block_without_separator_starts_the_history():
    """GIVEN an Outlook From:/Sent:/To:/Subject: block under the reply WHEN split THEN it is history."""
    text = "Done.\n\nFrom: Ann <ann@example.org>\nSent: Monday, 2 March 2020 10:00\nTo: Bob\nSubject: Report\n\nPlease check."
    assert reply_split(text=text).visible == "Done."


def test_french_de_block_starts_the_history():
    """GIVEN a French Outlook "De :/Envoyé :" block WHEN split THEN it is history."""
    text = (
        "Merci.\n\nDe : Ann <ann@example.fr>\nEnvoyé : lundi 2 mars 2020\nÀ : Bob\nObjet : Rapport\n\nTexte."
    )
    assert reply_split(text=text).visible == "Merci."


def test_sent_from_my_iphone_is_a_signature():
    """GIVEN a mobile tagline WHEN split THEN it is a mobile signature, not new text."""
    parts = reply_split(text="On my way.\n\nSent from my iPhone")
    assert parts.visible == "On my way."
    assert parts.signature == "Sent from my iPhone"
    assert parts.fragments[-1].signature_kind is SignatureKind.MOBILE


def test_german_mobile_tagline_is_a_signature():
    """GIVEN "Von meinem iPhone gesendet" WHEN split THEN it is a signature."""
    assert (
        reply_split(text="Bin unterwegs.\n\nVon meinem iPhone gesendet").signature
        == "Von meinem iPhone gesendet"
    )


def test_sentence_starting_with_sent_from_is_not_a_signature():
    """GIVEN a sentence that merely starts with "Sent from my" WHEN split THEN it stays new text."""
    parts = reply_split(text="Here it is.\n\nSent from my desk, is much easier than my mobile phone.")
    assert parts.signature == ""
    assert "Sent from my desk" in parts.visible


def test_dash_dash_space_delimiter_starts_the_signature():
    """GIVEN the RFC 3676 "-- " delimiter WHEN split THEN everything below is the signature."""
    parts = reply_split(text="See attached.\n\n-- \nAnn Example\nACME Corp\n+49 30 1234")
    assert parts.visible == "See attached."
    assert parts.signature.startswith("-- \nAnn Example")
    assert parts.fragments[-1].signature_kind is SignatureKind.DELIMITER


def test_closing_phrases_start_a_signature_in_several_languages():
    """GIVEN closings in English, German, French and Italian WHEN split THEN each starts a closing signature."""
    for closing in ("Best regards,", "Mit freundlichen Grüßen", "Cordialement,", "Cordiali saluti"):
        parts = reply_split(text=f"The report is attached.\n\n{closing}\nAnn Example")
        assert parts.visible == "The report is attached.", closing
        assert parts.signature.startswith(closing)
        assert parts.fragments[-1].signature_kind is SignatureKind.CLOSING


def test_regards_inside_a_sentence_is_not_a_signature():
    """GIVEN "regards" in the middle of a sentence WHEN split THEN nothing is taken as signature."""
    parts = reply_split(text="Hi,\n\nWith regards to your question, yes.\nIt works.")
    assert parts.signature == ""


def test_inline_answers_between_quotes_stay_visible_and_quotes_are_flagged():
    """GIVEN answers interleaved with ">" quotes WHEN split THEN answers are new text, quotes quoted, not hidden."""
    text = "On Mon, Ann <a@example.org> wrote:\n> first?\nyes\n> second?\nno\n"
    parts = reply_split(text=text)
    assert "yes" in parts.visible
    assert "no" in parts.visible
    assert "first?" not in parts.visible
    assert [f.is_quoted for f in parts.fragments] == [True, False, True, False]
    assert not any(f.is_hidden for f in parts.fragments)


def test_trailing_quote_and_signature_are_hidden():
    """GIVEN a reply, a signature and a trailing quote WHEN split THEN the flags follow github's model."""
    parts = reply_split(text="Ok.\n\n-- \nAnn\n\n> old\n")
    assert [(f.is_quoted, f.is_signature, f.is_hidden) for f in parts.fragments] == [
        (False, False, False),
        (False, True, True),
        (True, False, True),
    ]


def test_text_without_history_is_all_visible():
    """GIVEN a mail with no quotes or signature WHEN split THEN all text is visible and nothing is quoted."""
    parts = reply_split(text="Hello,\n\nplease send the invoice.\n")
    assert parts.visible == "Hello,\n\nplease send the invoice."
    assert parts.quoted == ""
    assert parts.signature == ""


def test_crlf_input_is_split_like_lf_input():
    """GIVEN CRLF line endings WHEN split THEN the result equals the LF result."""
    text = "Ok.\n\nOn Mon, Ann <a@example.org> wrote:\n> x\n"
    assert reply_split(text=text.replace("\n", "\r\n")).visible == reply_split(text=text).visible == "Ok."


def test_long_quoted_history_is_split_quickly():
    """GIVEN a reply over a very long quote WHEN split THEN it returns promptly with the reply."""
    import time

    text = "Top.\n\nOn Mon, Ann <a@example.org> wrote:\n" + "> quoted line of history\n" * 40_000
    started = time.monotonic()
    assert reply_split(text=text).visible == "Top."
    assert time.monotonic() - started < 5


def test_html_gmail_quote_is_history():
    """GIVEN Gmail HTML with a gmail_quote div WHEN split THEN the new text excludes the quote."""
    html = (
        '<div dir="ltr">Works for me.</div><div class="gmail_quote"><div class="gmail_attr">'
        "On Mon, Ann &lt;a@example.org&gt; wrote:</div><blockquote>old text</blockquote></div>"
    )
    parts = reply_split_html(html=html)
    assert parts.visible == "Works for me."
    assert "old text" in parts.quoted


def test_html_outlook_divrplyfwdmsg_is_history():
    """GIVEN Outlook HTML with divRplyFwdMsg WHEN split THEN everything from the marker on is history."""
    html = '<p>Approved.</p><hr><div id="divRplyFwdMsg"><b>From:</b> Ann<br><b>Sent:</b> Monday</div><p>Request</p>'
    parts = reply_split_html(html=html)
    assert parts.visible == "Approved."
    assert "Request" in parts.quoted


def test_html_regular_blockquote_without_header_stays_visible():
    """GIVEN a blockquote used as a citation, with no reply header WHEN split THEN it stays new text."""
    assert "Citation" in reply_split_html(html="<p>Look:</p><blockquote>Citation</blockquote>").visible
