"""The record pack a parent receives in answer to an access request, rendered as a PDF.

The workflow turns records into plain data (``PackContent`` and its ``PackEntry`` items) and
calls ``render_pack``. Nothing here looks at models or permissions: what arrives has already
been chosen for this recipient, except that of a withheld entry only the date and the reason are
ever printed, whatever else it contains.

Everything in the pack may have been typed by someone else (staff, third parties, parents), so
it goes through Django's autoescaping, and WeasyPrint gets a URL fetcher that serves only the
project's own static files. Escaping alone would stop hostile markup; the fetcher is there so
that a future template slip (a ``|safe``, a new field) still cannot make WeasyPrint read a local
file, call a loopback service or embed an attachment.

Importing this module imports WeasyPrint (a second or two); import it where a pack is made, not
at the top of a views module that serves every page.
"""

from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from access_requests.pack_content import PackContent, PackDetail, PackEntry, PackStatement

__all__ = [
    "PACK_BASE_URL",
    "PACK_STYLESHEET",
    "PACK_TEMPLATE",
    "KindGroup",
    "PackContent",
    "PackDetail",
    "PackEntry",
    "PackStatement",
    "RefusedURL",
    "StaticOnlyURLFetcher",
    "group_entries",
    "render_pack",
    "withheld_entries",
]

# A name that can never resolve (RFC 2606), so a relative link in the pack points nowhere real
# and anything WeasyPrint resolves against it lands in the fetcher's hands, not the network's.
PACK_BASE_URL = "https://pack.invalid/"
PACK_TEMPLATE = "access_requests/pdf/pack.html"
# Named by its source path: {% static %} would give the hashed name of the manifest storage,
# which exists only in STATIC_ROOT and which the finders (deliberately) never look in.
PACK_STYLESHEET = "css/pack.css"

# What a print stylesheet may pull in. Fonts are not here: the pack uses the system's DejaVu,
# and an @font-face would be a way to make WeasyPrint parse files nobody reviewed.
SERVED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


class RefusedURL(ValueError):
    """The pack's fetcher will not fetch this URL.

    WeasyPrint catches it (as it does any ``Exception`` from a fetcher), logs it and renders on
    without the resource.
    """


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that serves the project's static files and nothing else.

    Accepted: ``/static/<path>`` and ``<base_url>static/<path>`` (what WeasyPrint makes of a
    relative ``/static/...`` link), where ``<path>`` is a plain relative path to a file of a type
    in ``SERVED_TYPES`` that ``django.contrib.staticfiles.finders.find`` finds inside one of
    ``STATICFILES_DIRS``. Refused: every other scheme and host (``file:``, ``http(s):`` to any
    host, ``data:`` whatever it holds, ``ftp:``...), ``..`` and other path tricks, files of apps'
    static folders, and anything that does not exist.

    Refusals raise ``RefusedURL`` (which WeasyPrint swallows, so the pack still renders) and are
    recorded in ``refused``; what was served is recorded in ``served``. Use one fetcher per
    render if you mean to read those lists.
    """

    def __init__(self, base_url: str = PACK_BASE_URL) -> None:
        # fetch() below never reaches urllib, but if a later WeasyPrint bypassed it and called
        # the parent's machinery, an empty protocol set and no redirect handler still fetch
        # nothing.
        super().__init__(
            timeout=1, allowed_protocols=frozenset(), allow_redirects=False, fail_on_errors=False
        )
        base = urlsplit(base_url)
        self._origin = (base.scheme.lower(), base.netloc.lower())
        self._prefix = urlsplit(settings.STATIC_URL).path
        self._roots = [Path(_dir_of(entry)).resolve() for entry in settings.STATICFILES_DIRS]
        self.served: list[str] = []
        self.refused: list[tuple[str, str]] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            path, content_type = self._static_file_for(url)
        except RefusedURL as refusal:
            self.refused.append((url, str(refusal)))
            raise
        response = URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.served.append(url)
        return response

    def _static_file_for(self, url: str) -> tuple[Path, str]:
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise RefusedURL("malformed URL") from error
        origin = (parts.scheme.lower(), parts.netloc.lower())
        if origin != ("", "") and origin != self._origin:
            raise RefusedURL("only the project's static files are served")
        if not parts.path.startswith("/"):
            raise RefusedURL("not an absolute path")

        path = unquote(parts.path)
        if not path.startswith(self._prefix):
            raise RefusedURL("outside the static files")
        relative = path.removeprefix(self._prefix)
        # Checked before the finders see it: they would resolve "..", and a backslash or NUL
        # means something is trying its luck rather than naming a file.
        if "\\" in relative or "\x00" in relative:
            raise RefusedURL("not a plain static path")
        if any(segment in {"", ".", ".."} for segment in relative.split("/")):
            raise RefusedURL("not a plain static path")
        content_type = SERVED_TYPES.get(PurePosixPath(relative).suffix.lower())
        if content_type is None:
            raise RefusedURL("not a type the pack uses")

        try:
            found = finders.find(relative)
        except SuspiciousFileOperation as error:
            raise RefusedURL("not a plain static path") from error
        if not found:
            raise RefusedURL("no such static file")
        resolved = Path(found).resolve()
        # finders.find also searches apps' static folders (the admin's, for one); a symlink in
        # static/ could point anywhere. Only the project's own folder counts.
        if not any(resolved.is_relative_to(root) for root in self._roots):
            raise RefusedURL("not in the project's static folder")
        if not resolved.is_file():
            raise RefusedURL("no such static file")
        return resolved, content_type


def _dir_of(entry: str | Path | tuple[str, str | Path]) -> str | Path:
    # A STATICFILES_DIRS entry may be a (prefix, path) pair.
    return entry[1] if isinstance(entry, tuple) else entry


@dataclass(frozen=True)
class KindGroup:
    label: str
    anchor: str
    entries: list[PackEntry]


def group_entries(entries: list[PackEntry]) -> list[KindGroup]:
    """Group disclosed entries by kind, kinds in the order they first appear, entries oldest
    first. Withheld entries are not here (see ``withheld_entries``): grouping them would print
    their kind.

    The caller controls the order of kinds by the order of ``entries``; entries that happened
    at the same moment keep the caller's order.
    """
    by_kind: dict[str, list[PackEntry]] = {}
    for entry in entries:
        if entry.withheld_reason is None:
            by_kind.setdefault(entry.kind_label, []).append(entry)
    return [
        KindGroup(label, f"kind-{number}", sorted(items, key=attrgetter("occurred_at")))
        for number, (label, items) in enumerate(by_kind.items(), start=1)
    ]


def withheld_entries(entries: list[PackEntry]) -> list[PackEntry]:
    return sorted(
        (e for e in entries if e.withheld_reason is not None), key=attrgetter("occurred_at")
    )


def render_pack(content: PackContent, *, fetcher: StaticOnlyURLFetcher | None = None) -> bytes:
    """Render the pack to PDF bytes.

    Pass a ``fetcher`` to inspect afterwards what WeasyPrint asked for; by default a fresh one
    is used.
    """
    html = render_to_string(
        PACK_TEMPLATE,
        {
            "pack": content,
            "groups": group_entries(content.entries),
            "withheld": withheld_entries(content.entries),
            # Disclosed entries only: a withheld entry prints its date and reason, nothing more.
            "has_statements": any(
                statement.withheld_reason is None
                for entry in content.entries
                if entry.withheld_reason is None
                for statement in entry.parent_statements
            ),
            "has_disputed": any(
                entry.disputed and entry.withheld_reason is None for entry in content.entries
            ),
            "anything_withheld": any(
                entry.withheld_reason is not None
                or entry.redacted
                or any(s.withheld_reason is not None for s in entry.parent_statements)
                for entry in content.entries
            ),
            "stylesheet_url": f"{urlsplit(settings.STATIC_URL).path}{PACK_STYLESHEET}",
        },
    )
    return print_html(html, fetcher=fetcher)


def print_html(html: str, *, fetcher: StaticOnlyURLFetcher | None = None) -> bytes:
    """Print HTML the project rendered to PDF, fetching nothing but its own static files: the
    one way every PDF here (the record pack, a disclosure's record) is made."""
    document = HTML(
        string=html,
        base_url=PACK_BASE_URL,
        url_fetcher=fetcher or StaticOnlyURLFetcher(),
        media_type="print",
    )
    # No pdf_tags: tagging costs about 1.9 s per 500 entries.
    return document.write_pdf()
