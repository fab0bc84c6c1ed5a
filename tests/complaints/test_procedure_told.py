"""The setting's complaints procedure, in its own words, is what parents are told (policy P10):
on the record pack's "Your rights" page (UK GDPR Art. 15(1)(f)) and with every decision on, or
refusal of, a correction request, beside the ICO and the courts (Art. 12(4), 77, 79; DPA 2018
s.167)."""

import html
import io

from django.utils import timezone
from pypdf import PdfReader

from access_requests import services, snapshot
from access_requests.models import AccessRequest
from access_requests.pack import content_for
from access_requests.pdf import render_pack
from setting_records.history import save_as
from tests.access_requests.conftest import decide_kept, disclose_reviewed

OWN_WORDS = "Ring Mrs Patel, the owner, on 01632 960123, or write to her at the nursery."
LATER_WORDS = "Email complaints@littleacorns.example and the owner replies within a week."
# The fixed sentence the pack printed before the setting's own words were used.
OLD_SENTENCE = "the setting's complaints procedure says how"
# Told with every decision on a correction request and with a refusal.
COURT = "They may also ask a court to enforce their rights."
TICK = (
    "may use the setting's complaints procedure, complain to the ICO and ask a court to "
    "enforce their rights, as follows"
)


def reword(setting, manager, words):
    setting.complaints_procedure = words
    save_as(setting, actor=manager, reason="Complaints procedure reworded")


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def page_text(client, item, query="") -> str:
    response = client.get(f"{item.get_absolute_url()}{query}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_packs_rights_page_names_the_settings_own_procedure(request_received, setting, manager):
    reword(setting, manager, OWN_WORDS)
    content = content_for(request_received, prepared_for="Farah Khan", watermark=None)
    pages = pdf_pages(render_pack(content))
    rights = next(n for n, text in enumerate(pages) if "Your rights The UK General" in text)
    text = " ".join(pages[rights:])
    assert f"If you are unhappy The complaints procedure of Little Acorns Nursery: {OWN_WORDS}" in (
        text
    )
    assert OLD_SENTENCE not in " ".join(pages)
    # The ICO is still named beside it.
    assert "ico.org.uk/make-a-complaint" in text


def test_the_default_procedure_is_named_until_the_setting_words_its_own(request_received, setting):
    content = content_for(request_received, prepared_for="Farah Khan", watermark=None)
    assert content.complaints_procedure == (
        f"The complaints procedure of Little Acorns Nursery: {setting.complaints_procedure}"
    )
    assert "within 28 days" in content.complaints_procedure


def test_a_pack_fixed_for_the_meeting_gives_the_procedure_as_it_stands_now(
    request_preparing, setting, manager
):
    """How to complain is the envelope of a pack, not what it holds about the child: a copy
    gives the procedure as it stands when the copy is made, and rewording it does not mean
    preparing the pack again."""
    reword(setting, manager, OWN_WORDS)
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    reword(setting, manager, LATER_WORDS)
    # As a page would fetch it: afresh, with the setting as it is now.
    request_preparing = AccessRequest.objects.get(pk=request_preparing.pk)
    fixed = services.pack_content(request_preparing, prepared_for="Farah Khan", watermark=None)
    assert LATER_WORDS in fixed.complaints_procedure
    assert OWN_WORDS not in fixed.complaints_procedure
    assert services.changes_since_preparation(request_preparing) == []


def test_a_pack_frozen_with_the_old_fixed_sentence_needs_no_new_preparation(
    request_preparing, setting, manager
):
    """A pack fixed before the procedure was the setting's own held the old sentence in its
    content: the upgrade alone does not make it "changed since preparation"."""
    disclose_reviewed(request_preparing, manager)
    services.ready_for_meeting(request=request_preparing, actor=manager)
    frozen = services.current_frozen(request_preparing)
    frozen.content = {**frozen.content, "complaints_procedure": "Tell the manager: " + OLD_SENTENCE}
    frozen.sha256 = snapshot.digest(frozen.content)
    save_as(frozen, actor=manager, reason="As frozen before the upgrade")
    assert services.changes_since_preparation(request_preparing) == []
    copy = services.pack_content(request_preparing, prepared_for="Farah Khan", watermark=None)
    assert OLD_SENTENCE not in copy.complaints_procedure


def test_the_correction_page_names_the_settings_procedure_before_the_decision(
    client, manager, setting, rectification_verified
):
    reword(setting, manager, OWN_WORDS)
    client.force_login(manager)
    text = page_text(client, rectification_verified)
    assert "The parent is then told the decision and the reasons." in text
    assert f"complaints procedure of Little Acorns Nursery: “{OWN_WORDS}”" in text
    assert "https://ico.org.uk/make-a-complaint/ or 0303 123 1113" in text
    assert COURT in text


def test_the_tell_step_gives_the_words_beside_the_tick(
    client, manager, setting, rectification_verified
):
    reword(setting, manager, OWN_WORDS)
    decide_kept(rectification_verified, manager)
    client.force_login(manager)
    text = page_text(client, rectification_verified)
    assert f'action="/rectifications/{rectification_verified.pk}/tell/"' in text
    tick = text.index('name="told_of_rights"')
    label = text.index(TICK)
    words = text.index(OWN_WORDS, label)
    court = text.index(COURT, label)
    assert label < words < court < tick


def test_once_told_the_page_says_what_the_parent_was_told(
    client, manager, setting, rectification_verified
):
    reword(setting, manager, OWN_WORDS)
    decide_kept(rectification_verified, manager)
    services.rectification_tell(
        rectification=rectification_verified,
        actor=manager,
        told_on=timezone.localdate(),
        told_how="letter",
        told_of_rights=True,
    )
    reword(setting, manager, LATER_WORDS)
    client.force_login(manager)
    text = page_text(client, rectification_verified)
    assert "Told to the parent with the decision: If they are unhappy" in text
    assert OWN_WORDS in text
    assert LATER_WORDS not in text
    # Keeping the entry is not acting on the request: the court is named (Art. 12(4), 79).
    assert text.count(COURT) == 1


def test_a_decision_not_yet_told_shows_the_words_they_will_be_told(
    client, manager, setting, rectification_verified
):
    reword(setting, manager, OWN_WORDS)
    decide_kept(rectification_verified, manager)
    reword(setting, manager, LATER_WORDS)
    client.force_login(manager)
    text = page_text(client, rectification_verified)
    assert LATER_WORDS in text
    assert OWN_WORDS not in text


# A refusal (UK GDPR Art. 12(4)-(5)) names the procedure too (policy P10).


def refuse(item, manager):
    return services.rectification_refuse(
        rectification=item,
        actor=manager,
        ground="excessive",
        reason="The fourth request about this entry this month.",
        told_on=timezone.localdate(),
        told_how="letter",
        told_of_rights=True,
    )


def test_the_refuse_step_gives_the_words_beside_the_tick(
    client, manager, setting, rectification_received
):
    reword(setting, manager, OWN_WORDS)
    client.force_login(manager)
    text = page_text(client, rectification_received, "?step=refuse")
    assert f'action="/rectifications/{rectification_received.pk}/refuse/"' in text
    tick = text.index('name="told_of_rights"')
    label = text.index(TICK)
    words = text.index(f"complaints procedure of Little Acorns Nursery: “{OWN_WORDS}”", label)
    ico = text.index("https://ico.org.uk/make-a-complaint/ or 0303 123 1113", label)
    court = text.index(COURT, label)
    assert label < words < ico < court < tick
    # Asked to confirm, the form comes back with the words beside the tick as well.
    response = client.post(
        f"/rectifications/{rectification_received.pk}/refuse/",
        {"ground": "excessive", "reason": "Again.", "told_on": "", "told_how": "letter"},
    )
    posted = html.unescape(response.content.decode())
    assert posted.index(TICK) < posted.index(OWN_WORDS) < posted.index('name="told_of_rights"')


def test_an_access_requests_refusal_keeps_its_own_tick(client, manager, setting, request_received):
    """The access request's refusal is told through its written notice, not these words."""
    reword(setting, manager, OWN_WORDS)
    client.force_login(manager)
    text = page_text(client, request_received, "?step=refuse")
    assert "They were told they may complain to the ICO and go to court" in text
    assert TICK not in text


def test_once_refused_the_page_says_what_the_parent_was_told(
    client, manager, setting, rectification_received
):
    reword(setting, manager, OWN_WORDS)
    refuse(rectification_received, manager)
    reword(setting, manager, LATER_WORDS)
    client.force_login(manager)
    text = page_text(client, rectification_received)
    assert "Told with the refusal</dt><dd>If they are unhappy" in text
    assert f"complaints procedure of Little Acorns Nursery: “{OWN_WORDS}”" in text
    assert LATER_WORDS not in text
    # The ICO and the court once each: the refusal's own row does not say it again.
    assert text.count("https://ico.org.uk/make-a-complaint/") == 1
    assert text.count(COURT) == 1
    assert "go to court" not in text
