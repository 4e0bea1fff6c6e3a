"""Display-safe HTML and HTML-to-text: hostile markup must not survive, ordinary mail must."""

from __future__ import annotations

import re

from emails.sanitize import BLOCKED_IMAGE_PLACEHOLDER, html_make_safe, html_to_text


def _safe(html: str, *, allow_remote_images: bool = False) -> str:
    return html_make_safe(
        html=html, allow_remote_images=allow_remote_images, cid_url=lambda cid: f"/m/1/cid/{cid}"
    ).html


def test_script_element_is_removed_with_its_content():
    """GIVEN a script element WHEN made safe THEN neither tag nor code remain, the text around does."""
    out = _safe("<p>hello</p><script>alert(1)</script>")
    assert "hello" in out
    assert "script" not in out.lower()
    assert "alert" not in out


def test_event_handler_attributes_are_removed():
    """GIVEN an img with onerror WHEN made safe THEN the handler is gone but the image stays."""
    out = _safe('<img src="data:image/png;base64,AAAA" onerror="alert(1)">')
    assert "<img" in out
    assert "onerror" not in out.lower()


def test_svg_onload_is_removed():
    """GIVEN an svg with onload WHEN made safe THEN nothing of the svg remains."""
    out = _safe('<svg onload="alert(1)"><circle r="4"/></svg><p>ok</p>')
    assert "svg" not in out.lower()
    assert "onload" not in out.lower()
    assert "<p>ok</p>" in out


def test_javascript_href_with_entity_and_whitespace_obfuscation_is_removed():
    """GIVEN javascript: hrefs hidden by entities, tabs and case WHEN made safe THEN no href keeps them."""
    for href in [
        "jav&#x09;ascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "java\nscript:x",
    ]:
        out = _safe(f'<a href="{href}">x</a>')
        assert "href" not in out, href
        assert "javascript" not in out.lower()


def test_ordinary_links_open_in_a_new_tab_without_opener():
    """GIVEN an https link WHEN made safe THEN it keeps its href and gets target/rel."""
    out = _safe('<a href="https://example.org/a">x</a>')
    assert 'href="https://example.org/a"' in out
    assert 'target="_blank"' in out
    assert 'rel="noopener noreferrer"' in out


def test_data_text_html_link_is_removed():
    """GIVEN a data:text/html href WHEN made safe THEN the href is gone."""
    assert "data:" not in _safe('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>')


def test_data_image_src_is_kept_but_data_svg_is_not():
    """GIVEN inline png and svg data images WHEN made safe THEN only the raster image keeps its src."""
    assert "data:image/png" in _safe('<img src="data:image/png;base64,AAAA">')
    assert "data:image/svg" not in _safe('<img src="data:image/svg+xml;base64,AAAA">')


def test_iframe_object_embed_and_form_are_removed():
    """GIVEN frames, plugins and a form WHEN made safe THEN none of those elements remain."""
    out = _safe(
        '<iframe src="https://x"></iframe><object data="x"></object><embed src="x">'
        '<form action="https://x"><input name="pw">label</form>'
    )
    for tag in ("iframe", "object", "embed", "form", "input"):
        assert f"<{tag}" not in out.lower()
    assert "label" in out


def test_meta_refresh_base_and_link_are_removed():
    """GIVEN meta refresh, base href and a stylesheet link WHEN made safe THEN all are gone."""
    out = _safe(
        '<meta http-equiv="refresh" content="0;url=https://x"><base href="https://x/">'
        '<link rel="stylesheet" href="https://x/a.css"><p>body</p>'
    )
    assert "<meta" not in out
    assert "<base" not in out
    assert "<link" not in out
    assert "<p>body</p>" in out


def test_style_attribute_with_url_is_dropped_and_plain_style_kept():
    """GIVEN styles with url() (also CSS-escaped) and a plain colour WHEN made safe THEN only the colour stays."""
    out = _safe(
        '<p style="background:url(https://x/t.gif)">a</p><p style="background:u\\72l(https://x)">b</p>'
        '<p style="color:red">c</p>'
    )
    assert "url" not in out.lower()
    assert "https://x" not in out
    assert 'style="color:red"' in out


def test_style_element_and_import_are_removed():
    """GIVEN a style element with @import WHEN made safe THEN it is removed entirely."""
    out = _safe("<style>@import url(https://x/a.css); p{color:red}</style><p>x</p>")
    assert "import" not in out
    assert "<style" not in out


def test_remote_image_is_replaced_and_counted_when_not_allowed():
    """GIVEN remote, protocol-relative, srcset and background images WHEN blocked THEN none load and all count."""
    html = (
        '<img src="https://t.example/p.gif"><img src="//t.example/q.gif">'
        '<img srcset="http://t.example/a.png 2x"><table background="https://t.example/bg.png"><tr><td>x</td></tr></table>'
        '<picture><source srcset="https://t.example/a.webp"><img src="data:image/png;base64,AA"></picture>'
    )
    result = html_make_safe(html=html, allow_remote_images=False, cid_url=None)
    assert not re.search(r"(?:src|srcset|background)=\"(?:[^\"]*https?:|//)", result.html)
    assert BLOCKED_IMAGE_PLACEHOLDER in result.html
    assert result.remote_images_blocked == 5


def test_remote_images_are_kept_when_allowed():
    """GIVEN a remote image WHEN remote images are allowed THEN its URL stays and nothing is counted."""
    result = html_make_safe(
        html='<img src="https://x.example/a.png">', allow_remote_images=True, cid_url=None
    )
    assert 'src="https://x.example/a.png"' in result.html
    assert result.remote_images_blocked == 0


def test_cid_images_go_through_the_callback():
    """GIVEN a cid: image WHEN made safe THEN its src is what cid_url returns; a forged same-origin src is not."""
    out = _safe('<img src="cid:logo@x"><img src="/m/1/cid/other">')
    assert 'src="/m/1/cid/logo@x"' in out
    assert 'src="/m/1/cid/other"' not in out


def test_cid_images_are_dropped_without_callback():
    """GIVEN a cid: image and no callback WHEN made safe THEN the src is gone."""
    assert (
        "cid:" not in html_make_safe(html='<img src="cid:a">', allow_remote_images=False, cid_url=None).html
    )


def test_uppercase_and_unclosed_tags_give_well_formed_output():
    """GIVEN uppercase hostile tags and unclosed elements WHEN made safe THEN the result is balanced and inert."""
    out = _safe("<DIV><B>bold<SCRIPT>alert(1)</SCRIPT><IMG SRC=x ONERROR=alert(1)><p>open")
    assert "alert" not in out
    assert "onerror" not in out.lower()
    assert out.count("<div>") == out.count("</div>")
    assert out.count("<b>") == out.count("</b>")


def test_conditional_comments_are_removed():
    """GIVEN Outlook conditional comments WHEN made safe THEN their content does not come back."""
    out = _safe('<!--[if mso]><script>alert(1)</script><v:rect src="https://x"/><![endif]--><p>ok</p>')
    assert "alert" not in out
    assert "mso" not in out
    assert "<p>ok</p>" in out


def test_html_to_text_keeps_links_as_label_and_url():
    """GIVEN a link WHEN converted to text THEN label and URL both appear."""
    assert "Invoice <https://example.org/i/1>" in html_to_text(
        html='<p>See <a href="https://example.org/i/1">Invoice</a></p>'
    )


def test_html_to_text_renders_tables_row_by_row():
    """GIVEN a table WHEN converted to text THEN each row is one line with its cells apart."""
    text = html_to_text(
        html="<table><tr><td>Item</td><td>Price</td></tr><tr><td>Tea</td><td>3</td></tr></table>"
    )
    assert "Item  Price" in text
    assert "Tea  3" in text


def test_html_to_text_drops_scripts_styles_and_invisible_padding():
    """GIVEN script, style and zero-width preheader padding WHEN converted THEN only the visible text is left."""
    text = html_to_text(
        html="<style>p{}</style><script>x=1</script><p>Hi&zwnj;&nbsp;&zwnj;&nbsp;there</p>\n\n\n\n<p>end</p>"
    )
    assert "x=1" not in text
    assert "p{}" not in text
    assert "Hi there" in " ".join(text.split(" ")).replace("  ", " ")
    assert "\n\n\n" not in text


def test_html_to_text_bounds_its_input():
    """GIVEN a huge body WHEN converted THEN it finishes and the output is bounded."""
    text = html_to_text(html="<p>" + "word " * 1_000_000 + "</p>")
    assert 0 < len(text) <= 2_000_000


def test_html_to_text_of_empty_input_is_empty():
    """GIVEN empty or whitespace HTML WHEN converted THEN the text is empty."""
    assert html_to_text(html="") == ""
    assert html_to_text(html="  \n") == ""
