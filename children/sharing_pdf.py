"""A printable record of one disclosure (or decision not to share), for the child's file.

Rendered by WeasyPrint with the record pack's fetcher (``access_requests.pdf``), which serves
the project's own static files and refuses everything else: what is printed was typed by staff
and may quote parents and other agencies, so it goes through Django's autoescaping, and a slip
in the template still cannot make WeasyPrint read a local file or reach the network.

Importing this module imports WeasyPrint (a second or two): import it where the PDF is made.
"""

from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from access_requests.pdf import StaticOnlyURLFetcher, print_html
from children.models import InformationSharing, SharedEntry

SHARING_TEMPLATE = "children/pdf/sharing.html"
SHARING_STYLESHEET = "css/sharing.css"


def render_sharing(
    sharing: InformationSharing,
    entries: Sequence[SharedEntry],
    *,
    fetcher: StaticOnlyURLFetcher | None = None,
) -> bytes:
    html = render_to_string(
        SHARING_TEMPLATE,
        {
            "sharing": sharing,
            "entries": entries,
            "printed_at": timezone.localtime(),
            "stylesheet_url": f"{urlsplit(settings.STATIC_URL).path}{SHARING_STYLESHEET}",
        },
    )
    return print_html(html, fetcher=fetcher)
