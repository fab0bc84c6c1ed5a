"""The record pack PDF: what it shows, what it leaves out, and what it will not fetch.

Text comes out of the PDF through pypdf, so these tests read what a parent would read. They need
Django's settings (templates, static files) but not the database.
"""

import base64
import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject
from weasyprint import HTML

import access_requests.pdf as pack_pdf
from access_requests.pdf import (
    PACK_BASE_URL,
    PackContent,
    PackEntry,
    PackStatement,
    RefusedURL,
    StaticOnlyURLFetcher,
    group_entries,
    render_pack,
)

PACK_CSS_URL = f"{PACK_BASE_URL}static/css/pack.css"
PASSWD_MARK = "root:x:0:0"
WATERMARK = "Working copy — not to be handed over"
WITHHELD_BODY = "Grandmother told the health visitor about the court hearing on Tuesday."
WITHHELD_REASON = "given in confidence by a health visitor"
STATEMENT = "I do not agree that Amira was upset; she had a cold that week."
STATEMENT_LABEL = "Parent\N{RIGHT SINGLE QUOTATION MARK}s statement"
START = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
VOCABULARY = "played shared counted painted settled asked sang chose talked listened"


def said(words: str, **fields: Any) -> PackStatement:
    """A parent's statement as the pack prints it beside its entry."""
    statement = PackStatement(
        made_by="Nadia Ahmed", made_on=date(2025, 1, 20), taken_how="In a meeting", words=words
    )
    return replace(statement, **fields)


def words(count: int, seed: int = 0) -> str:
    vocabulary = VOCABULARY.split()
    return " ".join(vocabulary[(seed + n * 3) % len(vocabulary)] for n in range(count)) + "."


def make_entry(title: str, kind: str, days: int, **fields: Any) -> PackEntry:
    entry = PackEntry(
        title=title,
        kind_label=kind,
        occurred_at=START + timedelta(days=days),
        author_name="Sam Practitioner",
        nature_label="Fact",
        source_label="The setting",
        body=words(80, days),
    )
    return replace(entry, **fields)


def make_content(entries: list[PackEntry], **fields: Any) -> PackContent:
    content = PackContent(
        reference="SAR-2025-0007",
        child_name="Amira Ahmed",
        child_date_of_birth=date(2022, 3, 4),
        prepared_for="Nadia Ahmed",
        prepared_by="Mo Manager",
        meeting_date=date(2025, 2, 1),
        setting_name="Little Acorns Nursery",
        watermark=WATERMARK,
        entries=entries,
    )
    return replace(content, **fields)


# Given out of order on purpose: the pack sorts within each kind, kinds in order of appearance.
STANDARD_ENTRIES = [
    make_entry("Obs settling in", "Observation", 3),
    make_entry("Concern bruise on arm", "Concern", 9),
    make_entry("Obs first week", "Observation", 0),
    make_entry(
        "Concern home visit",
        "Concern",
        2,
        withheld_reason=WITHHELD_REASON,
        body=WITHHELD_BODY,
        source_label="A third party",
    ),
    make_entry("Incident fall in garden", "Incident", 5, body="Fish & chips <b>bold</b>"),
    make_entry("Obs painting", "Observation", 12),
    make_entry(
        "Concern upset at drop-off",
        "Concern",
        4,
        nature_label="Opinion or professional judgement",
        parent_statements=[said(STATEMENT)],
    ),
    make_entry("Obs story time", "Observation", 7),
    make_entry("Incident bumped head", "Incident", 1),
    make_entry(
        "Obs summer outing",
        "Observation",
        150,
        occurred_at=datetime(2025, 6, 3, 9, 15, tzinfo=UTC),
    ),
    *(make_entry(f"Obs week {n}", "Observation", 20 + n) for n in range(8)),
]


def squash(text: str) -> str:
    """Whitespace as one space: line wrapping in the PDF is not what these tests are about."""
    return " ".join(text.split())


def nospace(text: str) -> str:
    # pypdf loses some spaces in rotated text (the watermark), so compare without any.
    return "".join(text.split())


def pages_text(pdf: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def annotations(reader: PdfReader) -> Iterator[tuple[int, DictionaryObject]]:
    for number, page in enumerate(reader.pages, start=1):
        for annotation in cast(list, page.get("/Annots") or []):
            yield number, cast(DictionaryObject, annotation.get_object())


def embedded_files(pdf: bytes) -> list[str]:
    """Every way a PDF can carry a file: the document's name tree and pages' annotations."""
    reader = PdfReader(io.BytesIO(pdf))
    found = [f"attachment {name}" for name in reader.attachments]
    root = cast(DictionaryObject, reader.trailer["/Root"])
    if "/EmbeddedFiles" in cast(DictionaryObject, root.get("/Names", {})):
        found.append("/Names /EmbeddedFiles")
    for number, annotation in annotations(reader):
        if annotation.get("/Subtype") == "/FileAttachment":
            found.append(f"/FileAttachment on page {number}")
    return found


def external_links(pdf: bytes) -> list[str]:
    links = []
    for _, annotation in annotations(PdfReader(io.BytesIO(pdf))):
        action = cast(DictionaryObject, annotation.get("/A", {}))
        if "/URI" in action:
            links.append(str(action["/URI"]))
    return links


def decoded_streams(pdf: bytes) -> bytes:
    """Every stream in the PDF, decompressed: the raw bytes alone would hide a compressed file."""
    reader = PdfReader(io.BytesIO(pdf))
    chunks = []
    for number in range(1, cast(int, reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject):
            chunks.append(obj.get_data())
    return b"\n".join(chunks)


def assert_no_local_file(pdf: bytes, text: str) -> None:
    assert PASSWD_MARK not in text
    assert PASSWD_MARK.encode() not in pdf
    assert PASSWD_MARK.encode() not in decoded_streams(pdf)
    assert embedded_files(pdf) == []


@pytest.fixture(scope="module")
def standard() -> tuple[bytes, list[str], StaticOnlyURLFetcher]:
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pack(make_content(STANDARD_ENTRIES), fetcher=fetcher)
    return pdf, pages_text(pdf), fetcher


@pytest.fixture
def pages(standard) -> list[str]:
    return standard[1]


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that records every request: a fetch cannot go unseen."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# What the pack shows.


def test_cover_says_whose_records_and_for_whom(pages):
    cover = pages[0]
    for expected in [
        "Little Acorns Nursery",
        "Records held about Amira Ahmed",
        "Date of birth 4 March 2022",
        "Reference SAR-2025-0007",
        "Prepared for Nadia Ahmed",
        "Prepared by Mo Manager",
        "Meeting date 1 February 2025",
    ]:
        assert expected in cover


def test_cover_without_a_meeting_date_says_so():
    pdf = render_pack(make_content([], meeting_date=None))
    assert "Meeting date Not yet held" in pages_text(pdf)[0]


def test_entries_are_grouped_by_kind_in_date_order(pages):
    body = " ".join(pages[2:])  # after the cover and contents
    groups = group_entries(STANDARD_ENTRIES)
    assert [group.label for group in groups] == ["Observation", "Concern", "Incident"]

    positions = []
    for group in groups:
        expected = sorted(
            (
                e
                for e in STANDARD_ENTRIES
                if e.kind_label == group.label and e.withheld_reason is None
            ),
            key=lambda e: e.occurred_at,
        )
        found = [body.index(entry.title) for entry in expected]
        assert found == sorted(found), f"{group.label} entries are not in date order"
        positions.append(found)
    # Every entry of one kind comes before any entry of the next.
    for earlier, later in pairwise(positions):
        assert max(earlier) < min(later)
    assert body.index("Obs first week") < body.index("Obs settling in") < body.index("Obs painting")


def test_the_contents_say_where_each_kind_starts(pages):
    contents = pages[1]
    for group in group_entries(STANDARD_ENTRIES):
        first_title = group.entries[0].title
        page = next(n for n, text in enumerate(pages, start=1) if n > 2 and first_title in text)
        assert group.label in pages[page - 1]
        records = len(group.entries)
        assert f"{group.label} ({records} records), from page {page}" in contents


def test_five_entries_of_five_kinds_fit_on_two_pages_not_five():
    kinds = ["Observation", "Progress", "Well-being", "Concern", "Incident"]
    entries = [make_entry(f"Entry of kind {kind}", kind, n) for n, kind in enumerate(kinds)]
    pages = pages_text(render_pack(make_content(entries)))
    with_entries = {n for n, text in enumerate(pages) for e in entries if e.title in text}
    assert len(with_entries) <= 2
    # Cover, contents, the entries (after "About you"), "Your rights".
    assert len(pages) <= 5


def test_each_entry_shows_date_author_nature_and_source(pages):
    text = " ".join(pages)
    assert (
        "Concern upset at drop-off 10 January 2025, 09:30 · Written by Sam Practitioner · "
        "Opinion or professional judgement · Source: The setting"
    ) in text
    assert "8 January 2025: [withheld — " in text
    assert "Concern home visit" not in text


def test_dates_are_shown_in_uk_time(pages):
    # 09:15 UTC on 3 June is 10:15 in London (summer time).
    assert "Obs summer outing 3 June 2025, 10:15" in " ".join(pages)


def test_parent_statement_is_with_its_entry(pages):
    text = " ".join(pages)
    entry = text.index("Concern upset at drop-off")
    statement = text.index(STATEMENT)
    following = text.index("Concern bruise on arm")
    assert entry < statement < following
    assert f"{STATEMENT_LABEL} {STATEMENT}" in text


def test_withheld_entry_shows_the_reason_and_nothing_of_its_body(standard, monkeypatch):
    pdf, pages, _ = standard
    text = " ".join(pages)
    assert f"8 January 2025: [withheld — {WITHHELD_REASON}]" in text
    assert "Concern home visit" not in text
    for fragment in ["Grandmother", "court hearing", "health visitor about"]:
        assert fragment not in text
        assert fragment.encode() not in decoded_streams(pdf)

    # Not even in the HTML WeasyPrint is given, where a hidden element could still carry it.
    seen = []

    def recording_html(*, string, **kwargs):
        seen.append(string)
        return HTML(string=string, **kwargs)

    monkeypatch.setattr(pack_pdf, "HTML", recording_html)
    render_pack(make_content([STANDARD_ENTRIES[3]]))
    assert WITHHELD_REASON in seen[0]
    assert "Grandmother" not in seen[0]


def test_withheld_entry_prints_only_its_date_and_reason():
    withheld = make_entry(
        "Update from Leo's social worker",
        "Safeguarding meeting",
        3,
        author_name="Priya Authorname",
        source_label="Hannah Brooks, Social worker, Calderdale Council",
        nature_label="Opinion or professional judgement",
        body="Hannah Brooks asked that the plan is not discussed.",
        withheld_reason=WITHHELD_REASON,
    )
    pdf = render_pack(make_content([make_entry("Shared entry", "Observation", 1), withheld]))
    text = " ".join(pages_text(pdf))
    assert f"9 January 2025: [withheld — {WITHHELD_REASON}]" in text
    for leak in ["Leo's social worker", "Safeguarding meeting", "Priya", "Hannah", "Calderdale"]:
        assert leak not in text
    assert "Information withheld (1 record)" in text
    assert "Some information has been withheld from this pack" in text


def test_reading_this_pack_mentions_statements_and_withholding_only_when_there_are_some():
    plain = " ".join(pages_text(render_pack(make_content(STANDARD_ENTRIES[:3]))))
    assert STATEMENT_LABEL not in plain
    assert "Nothing has been withheld from this pack." in plain
    assert "[withheld" not in plain
    full = " ".join(pages_text(render_pack(make_content(STANDARD_ENTRIES))))
    assert f"“{STATEMENT_LABEL}” marks a statement" in full
    assert "Nothing has been withheld" not in full


def test_a_redacted_body_is_printed_as_given_and_the_guide_says_so():
    entry = make_entry(
        "Outing", "Observation", 1, body="Amira played with [withheld — x].", redacted=True
    )
    text = " ".join(pages_text(render_pack(make_content([entry]))))
    assert "Amira played with [withheld — x]." in text
    assert "Some information has been withheld from this pack" in text


def test_your_rights_page_has_the_article_15_information(pages):
    rights = next(n for n, text in enumerate(pages) if "Your rights The UK General" in text)
    text = " ".join(pages[rights:])
    for expected in [
        "Why the information is held",
        "What kinds of information are held",
        "Who it has been shared with None recorded.",
        "How long it is kept",
        "inaccurate information corrected",
        "(Article 16)",
        "Information Commissioner\N{RIGHT SINGLE QUOTATION MARK}s Office Wycliffe House, "
        "Water Lane Wilmslow, Cheshire SK9 5AF",
        "Telephone 0303 123 1113",
        "ico.org.uk/make-a-complaint",
    ]:
        assert expected in text
    assert "Your rights, from page" in pages[1]


def test_your_rights_lists_what_it_is_given():
    content = make_content(
        [],
        purposes=["Purpose one."],
        categories=["Category one."],
        shared_with=["Calderdale children's services, 3 March 2025"],
        retention=["Kept for ever and a day."],
        complaints_procedure="Write to the owner.",
        third_party_sources=["Rachel Moore, Health visitor"],
        family_details=[pack_pdf.PackDetail("Phone", "07700 900123")],
        family_notes=["Dad works nights."],
    )
    text = " ".join(pages_text(render_pack(content)))
    for expected in [
        "Purpose one.",
        "Category one.",
        "Calderdale children's services, 3 March 2025",
        "Kept for ever and a day.",
        "Write to the owner.",
        "Rachel Moore, Health visitor",
        "Phone 07700 900123",
        "Dad works nights.",
    ]:
        assert expected in text
    assert "None recorded" not in text


def test_every_page_has_the_footer_with_page_x_of_y(pages):
    total = len(pages)
    assert total >= 4
    for number, text in enumerate(pages, start=1):
        assert "SAR-2025-0007" in text, f"page {number}"
        assert "Confidential — copy for Nadia Ahmed" in text, f"page {number}"
        assert f"Page {number} of {total}" in text, f"page {number}"


def test_watermark_is_on_every_page_when_given(pages):
    for number, text in enumerate(pages, start=1):
        assert nospace(WATERMARK) in nospace(text), f"page {number}"


def test_no_watermark_when_none_given():
    pdf = render_pack(make_content(STANDARD_ENTRIES[:3], watermark=None))
    for text in pages_text(pdf):
        assert "Working" not in text
        assert "handed" not in text


def test_markup_in_a_body_is_printed_not_interpreted(pages):
    text = " ".join(pages)
    assert "Fish & chips <b>bold</b>" in text
    assert "&amp;" not in text


def test_an_empty_pack_still_renders_with_its_cover_and_footer():
    pages = pages_text(render_pack(make_content([])))
    assert "Records held about Amira Ahmed" in pages[0]
    assert "No records are held about Amira Ahmed." in pages[1]
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_the_standard_pack_fetched_only_its_own_stylesheet(standard):
    _, _, fetcher = standard
    assert fetcher.served == [PACK_CSS_URL]
    assert fetcher.refused == []


def test_same_moment_entries_keep_the_callers_order():
    first = make_entry("First given", "Observation", 1)
    second = make_entry("Second given", "Observation", 1)
    earlier = make_entry("Earlier", "Observation", 0)
    (group,) = group_entries([first, second, earlier])
    assert [e.title for e in group.entries] == ["Earlier", "First given", "Second given"]


# Hostile content: everything in a pack may have been typed by someone else.


def hostile_payloads(server: str) -> list[str]:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="9" height="9"><image href="{server}/svg-image.png" width="9" height="9"/>'
        '<image xlink:href="file:///etc/passwd" width="9" height="9"/></svg>'
    )
    svg_url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    payloads = []
    for host in ("http://127.0.0.1:9", server):
        payloads += [
            f'<img src="{host}/x.png">',
            f'<link rel="stylesheet" href="{host}/linked.css">',
            f"<style>@import url({host}/x.css)</style>",
            f'<p style="background:url({host}/bg.png)">styled</p>',
            f"<style>@font-face {{ font-family: X; src: url({host}/f.woff) }}</style>",
        ]
    return [
        *payloads,
        '<link rel="attachment" href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        '<div style="background:url(file:///etc/passwd)">bg</div>',
        "<style>body { background: url(file:///etc/passwd) }</style>",
        "<style>@color-profile --p { src: url(file:///etc/passwd) }</style>",
        f'<img src="{svg_url}">',
        '<base href="file:///etc/"><img src="passwd">',
        '<img src="/static/../../../../etc/passwd">',
    ]


def test_hostile_markup_anywhere_in_the_pack_is_text_and_fetches_nothing(listener):
    server, requests = listener
    payloads = hostile_payloads(server)
    everything = " ".join(payloads)
    # A value that tries to break out of a CSS string, for the fields the footer shows.
    css_breakout = '"} @page { @top-left { content: url(file:///etc/passwd) } } x {"'
    entries = [
        make_entry(
            payload,
            "Observation",
            number,
            body=payload,
            author_name=payload,
            source_label=payload,
            parent_statements=[said(payload, made_by=payload, taken_how=payload)],
        )
        for number, payload in enumerate(payloads)
    ]
    entries.append(make_entry("Withheld", "Concern", 0, withheld_reason=everything))
    entries.append(make_entry(everything, everything, 1, nature_label=everything))
    content = make_content(
        entries,
        family_details=[pack_pdf.PackDetail(payloads[3], payloads[4])],
        family_notes=[payloads[5]],
        purposes=[payloads[6]],
        shared_with=[payloads[7]],
        complaints_procedure=payloads[8],
        third_party_sources=[payloads[9]],
        reference=css_breakout,
        child_name=payloads[0],
        prepared_for=css_breakout,
        prepared_by=payloads[-1],
        setting_name=payloads[1],
        watermark=payloads[2],
    )
    fetcher = StaticOnlyURLFetcher()

    pdf = render_pack(content, fetcher=fetcher)

    pages = pages_text(pdf)
    text = " ".join(pages)
    # Nothing was even attempted: the markup never reached WeasyPrint as markup.
    assert fetcher.served == [PACK_CSS_URL]
    assert fetcher.refused == []
    assert requests == []
    assert external_links(pdf) == []
    assert_no_local_file(pdf, text)
    # It is all there, as text (the long data: URL wraps mid-word, hence no spaces).
    for payload in payloads:
        assert nospace(payload) in nospace(text)
    for number, page in enumerate(pages, start=1):
        assert f"Confidential — copy for {css_breakout}" in page, f"page {number}"


def test_the_fetcher_alone_stops_hostile_html(listener):
    """Defence in depth: were escaping ever lost, WeasyPrint still gets nothing from outside."""
    server, requests = listener
    payloads = hostile_payloads(server)
    # @color-profile is left out: WeasyPrint 70 lets a refused fetch there abort the render.
    html = "".join(p for p in payloads if "@color-profile" not in p)
    fetcher = StaticOnlyURLFetcher()

    pdf = HTML(string=html, base_url=PACK_BASE_URL, url_fetcher=fetcher).write_pdf()

    assert requests == []
    assert fetcher.served == []
    refused = [url for url, _ in fetcher.refused]
    assert "file:///etc/passwd" in refused
    assert f"{server}/x.png" in refused
    assert f"{server}/linked.css" in refused
    assert f"{server}/x.css" in refused
    assert f"{server}/bg.png" in refused
    assert any(url.startswith("data:image/svg+xml") for url in refused)
    assert f"{server}/svg-image.png" not in refused  # the SVG was never opened
    assert_no_local_file(pdf, " ".join(pages_text(pdf)))


# The fetcher on its own.


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://127.0.0.1:9/",
        "http://localhost/static/css/pack.css",
        "https://example.com/static/css/pack.css",
        "http://pack.invalid/static/css/pack.css",
        "https://pack.invalid.example.com/static/css/pack.css",
        "https://user@pack.invalid/static/css/pack.css",
        "//pack.invalid/static/css/pack.css",
        "ftp://pack.invalid/static/css/pack.css",
        "https://pack.invalid/../../etc/passwd",
        "https://pack.invalid/static/../../etc/passwd",
        "https://pack.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://pack.invalid/static/css/..%2f..%2f..%2fetc/passwd",
        "https://pack.invalid/static//etc/passwd",
        "https://pack.invalid/static/css\\..\\..\\pyproject.toml",
        "https://pack.invalid/static/css/",
        "https://pack.invalid/static/css/missing.css",
        "https://pack.invalid/static/admin/css/base.css",
        "https://pack.invalid/etc/passwd",
        "/etc/passwd",
        "static/css/pack.css",
        "data:text/css,body{color:red}",
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'>"
        "<image href='http://127.0.0.1:9/x.png'/></svg>",
    ],
)
def test_fetcher_refuses_and_records(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.served == []
    assert [refused_url for refused_url, _ in fetcher.refused] == [url]


def test_fetcher_refuses_a_static_file_of_another_type(tmp_path, settings):
    # Only what a stylesheet may use is served, even from static/.
    (tmp_path / "notes.txt").write_text("private")
    settings.STATICFILES_DIRS = [tmp_path]
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL, match="not a type the pack uses"):
        fetcher.fetch("/static/notes.txt")


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path, settings):
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red }")
    static = tmp_path / "static"
    static.mkdir()
    (static / "link.css").symlink_to(outside)
    settings.STATICFILES_DIRS = [static]
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL, match="not in the project's static folder"):
        fetcher.fetch("/static/link.css")


@pytest.mark.parametrize("url", ["/static/css/pack.css", PACK_CSS_URL])
def test_fetcher_serves_the_pack_stylesheet(url):
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(url)
    try:
        assert response.content_type == "text/css"
        expected = (Path(settings.BASE_DIR) / "static" / "css" / "pack.css").read_bytes()
        assert response.read() == expected
    finally:
        response.close()
    assert fetcher.served == [url]
    assert fetcher.refused == []


def test_the_pdf_checks_would_see_an_attachment_and_a_link():
    # The checks above find nothing; this shows they would find something were it there. It is
    # also the one way a pack could carry a file: the project's own static files are public.
    html = '<a rel="attachment" href="/static/css/pack.css">css</a><a href="https://example.org/">x</a>'
    pdf = HTML(string=html, base_url=PACK_BASE_URL, url_fetcher=StaticOnlyURLFetcher()).write_pdf()
    assert embedded_files(pdf) != []
    assert external_links(pdf) == ["https://example.org/"]
    assert b"DejaVu Sans" in decoded_streams(pdf)


def test_a_refusal_does_not_stop_the_render():
    fetcher = StaticOnlyURLFetcher()
    pdf = HTML(
        string='<p>Before</p><img src="file:///etc/passwd"><p>After</p>',
        base_url=PACK_BASE_URL,
        url_fetcher=fetcher,
    ).write_pdf()
    assert "Before After" in " ".join(pages_text(pdf))
    assert fetcher.refused == [("file:///etc/passwd", "only the project's static files are served")]
