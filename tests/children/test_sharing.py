"""The information-sharing log (policy P5): the service's rules, its pages, what it leaves in
history and the access log, the printed record, and the lines on the child and entry pages."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from children import sharing as sharing_services
from children import statements
from children.models import InformationSharing, SharedEntry
from setting_records.errors import WorkflowError
from setting_records.history import save_as
from setting_records.models import AccessAction, AccessLogEntry
from tests.children.conftest import share, write
from tests.children.test_query_counts import CHILD_PAGE, FRAME, count_for, log_write

TODAY = timezone.localdate


def dispute(record, actor):
    """Mark an entry disputed, as a pending rectification request does (its services keep the
    mark; here it is set directly)."""
    record.disputed = True
    save_as(record, actor=actor, reason="test: a parent disputes it", update_fields=["disputed"])
    return record


def nothing_saved():
    return not InformationSharing.objects.exists() and not SharedEntry.objects.exists()


# Who may record.


@pytest.mark.parametrize("who", ["manager", "keyperson"])
def test_manager_and_key_person_record_a_disclosure(request, child, general_record, who):
    user = request.getfixturevalue(who)
    item = share(child, user, [general_record])
    assert item.is_shared
    assert item.recorded_by == user
    assert [e.record for e in item.shared_entries.all()] == [general_record]


@pytest.mark.parametrize("who", ["practitioner", "grant_holder", "outsider", "othermanager"])
def test_everyone_else_is_refused_and_nothing_is_saved(request, child, general_record, grants, who):
    user = request.getfixturevalue(who)
    with pytest.raises(WorkflowError, match="manager or the child's key person"):
        share(child, user, [general_record], decided_by=request.getfixturevalue("manager"))
    assert nothing_saved()


def test_who_decided_must_be_active_staff_of_the_setting(child, manager, othermanager):
    with pytest.raises(WorkflowError, match="not an active member of staff"):
        share(child, manager, summary="Attendance", decided_by=othermanager)
    assert nothing_saved()


def test_a_key_person_can_name_the_manager_as_who_decided(child, keyperson, manager):
    item = share(child, keyperson, summary="Attendance", decided_by=manager)
    assert (item.decided_by, item.recorded_by) == (manager, keyperson)


# What was shared.


def test_entries_must_be_the_childs(child, manager, other_child, othermanager):
    theirs = write(other_child, othermanager, title="Someone else's entry")
    with pytest.raises(WorkflowError, match="this child's records"):
        share(child, manager, [theirs])
    assert nothing_saved()


def test_a_disclosure_names_entries_or_a_summary(child, manager):
    with pytest.raises(WorkflowError, match="Choose the entries"):
        share(child, manager, [], summary="  ")
    item = share(child, manager, [], summary="Attendance over the last term")
    assert item.summary == "Attendance over the last term"
    assert not item.shared_entries.exists()


def test_an_entry_named_twice_is_shared_once(child, manager, general_record):
    item = share(child, manager, [general_record, general_record])
    assert item.shared_entries.count() == 1


@pytest.mark.parametrize(
    ("field", "message"),
    [("lawful_basis", "lawful basis"), ("method", "how the information was shared")],
)
def test_a_disclosure_needs_a_lawful_basis_and_a_method(
    child, manager, general_record, field, message
):
    with pytest.raises(WorkflowError, match=message):
        share(child, manager, [general_record], **{field: ""})
    assert nothing_saved()


@pytest.mark.parametrize("consent", ["refused", "not_sought"])
def test_sharing_without_consent_says_why(child, manager, general_record, consent):
    with pytest.raises(WorkflowError, match="without consent"):
        share(child, manager, [general_record], consent=consent, consent_reason=" ")
    assert nothing_saved()
    item = share(
        child,
        manager,
        [general_record],
        consent=consent,
        consent_reason="Asking would have put the child at risk.",
    )
    assert item.consent_reason == "Asking would have put the child at risk."


def test_an_other_framework_is_described(child, manager, general_record):
    with pytest.raises(WorkflowError, match="other professional framework"):
        share(child, manager, [general_record], framework="other")
    item = share(
        child, manager, [general_record], framework="other", framework_detail="School transition"
    )
    assert item.framework_detail == "School transition"


def test_the_date_cannot_be_in_the_future(child, manager, general_record):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(WorkflowError, match="future"):
        share(child, manager, [general_record], decided_on=tomorrow)
    assert share(child, manager, [general_record], decided_on=TODAY()).decided_on == TODAY()


def test_the_recipient_and_the_reason_are_required(child, manager, general_record):
    with pytest.raises(WorkflowError, match="Name the organisation"):
        share(child, manager, [general_record], recipient_organisation=" ")
    with pytest.raises(WorkflowError, match="why"):
        share(child, manager, [general_record], purpose="")
    assert nothing_saved()


@pytest.mark.parametrize("field", ["decision", "consent", "framework", "lawful_basis", "method"])
def test_unknown_choices_are_refused(child, manager, general_record, field):
    with pytest.raises(WorkflowError):
        share(child, manager, [general_record], **{field: "made_up"})
    assert nothing_saved()


def test_an_overlong_recipient_is_refused_plainly(child, manager, general_record):
    with pytest.raises(WorkflowError, match="too long"):
        share(child, manager, [general_record], recipient_name="x" * 201)
    assert nothing_saved()


# Decisions not to share.


def test_a_decision_not_to_share_needs_the_reason_and_what_was_asked(child, manager):
    refused = {"decision": "not_shared", "lawful_basis": "", "method": ""}
    with pytest.raises(WorkflowError, match="what was asked for"):
        share(child, manager, **refused)
    with pytest.raises(WorkflowError, match="why it was not shared"):
        share(child, manager, summary="Her records", **(refused | {"purpose": ""}))
    item = share(child, manager, summary="Her records", consent="not_sought", **refused)
    assert not item.is_shared
    assert (item.lawful_basis, item.method, item.consent_reason) == ("", "", "")


def test_a_decision_not_to_share_keeps_no_basis_or_method(child, manager):
    item = share(child, manager, decision="not_shared", summary="The file")
    assert (item.lawful_basis, item.lawful_basis_detail, item.method) == ("", "", "")


# Disputed entries (UK GDPR Art. 18(2)).


def test_a_disputed_entry_is_not_shared_without_a_reason(child, manager, sensitive_record):
    dispute(sensitive_record, manager)
    with pytest.raises(WorkflowError, match="disputed by a parent"):
        share(child, manager, [sensitive_record])
    with pytest.raises(WorkflowError, match="disputed by a parent"):
        share(child, manager, [sensitive_record], disputed_reasons={sensitive_record.pk: "  "})
    assert nothing_saved()


def test_a_disputed_entry_is_shared_with_its_reason_kept(child, manager, sensitive_record):
    dispute(sensitive_record, manager)
    item = share(
        child,
        manager,
        [sensitive_record],
        disputed_reasons={sensitive_record.pk: "Safeguarding referral"},
    )
    [entry] = item.shared_entries.all()
    assert entry.was_disputed
    assert entry.disputed_reason == "Safeguarding referral"


def test_the_dispute_is_read_from_the_database_not_the_callers_copy(
    child, manager, sensitive_record
):
    stale = type(sensitive_record).objects.get(pk=sensitive_record.pk)
    dispute(sensitive_record, manager)
    assert stale.disputed is False
    with pytest.raises(WorkflowError, match="disputed by a parent"):
        share(child, manager, [stale])


def test_a_reason_given_for_an_undisputed_entry_is_not_kept(child, manager, general_record):
    item = share(child, manager, [general_record], disputed_reasons={general_record.pk: "x"})
    [entry] = item.shared_entries.all()
    assert (entry.was_disputed, entry.disputed_reason) == (False, "")


def test_a_decision_not_to_share_a_disputed_entry_needs_no_reason(child, manager, sensitive_record):
    dispute(sensitive_record, manager)
    item = share(child, manager, [sensitive_record], decision="not_shared", summary="It")
    [entry] = item.shared_entries.all()
    assert not entry.was_disputed


# What stood beside each entry when it went.


def test_each_entry_keeps_its_title_and_the_parents_statements_then(
    child, manager, sensitive_record
):
    first = statements.statement_record(
        record=sensitive_record,
        actor=manager,
        words="The bruise happened at soft play.",
        made_on=TODAY(),
        taken_how="meeting",
        made_by_name="Farah Khan",
    )
    statements.statement_record(
        record=sensitive_record,
        actor=manager,
        words="It happened at soft play on Saturday.",
        made_on=TODAY(),
        taken_how="email",
        made_by_name="Farah Khan",
        supersedes=first,
    )
    item = share(child, manager, [sensitive_record])
    day = f"{TODAY():%d/%m/%Y}"
    [entry] = item.shared_entries.all()
    assert entry.title == sensitive_record.title
    assert entry.statements_note == (
        f"Farah Khan ({day}, in a meeting): The bruise happened at soft play. "
        "(replaced by a later statement)\n\n"
        f"Farah Khan ({day}, by email): It happened at soft play on Saturday."
    )
    # A later statement does not change what was recorded as standing beside it then.
    statements.statement_record(
        record=sensitive_record,
        actor=manager,
        words="Something else",
        made_on=TODAY(),
        taken_how="letter",
        made_by_name="Farah Khan",
    )
    entry.refresh_from_db()
    assert "Something else" not in entry.statements_note


def test_an_entry_without_statements_has_an_empty_note(child, manager, general_record):
    [entry] = share(child, manager, [general_record]).shared_entries.all()
    assert entry.statements_note == ""


# History and the access log.


def test_history_names_who_recorded_it_and_why(child, manager, general_record):
    item = share(child, manager, [general_record])
    [row] = item.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        manager,
        "Information shared",
    )
    [entry_row] = SharedEntry.history.all()
    assert (entry_row.history_user, entry_row.record_id) == (manager, general_record.pk)
    refused = share(child, manager, decision="not_shared", summary="All of it")
    assert refused.history.get().history_change_reason == "Decision not to share"


def test_one_access_log_row_with_ids_only(child, manager, general_record, sensitive_record):
    before = AccessLogEntry.objects.count()
    item = share(child, manager, [general_record, sensitive_record])
    rows = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(r.action, r.actor, r.child, r.detail) for r in rows] == [
        (
            AccessAction.SHARING_RECORDED,
            manager,
            child,
            {
                "sharing": item.pk,
                "entries": [general_record.pk, sensitive_record.pk],
                "decision": "shared",
            },
        )
    ]


def test_a_refusal_leaves_no_access_log_row(child, manager, general_record):
    before = AccessLogEntry.objects.count()
    with pytest.raises(WorkflowError):
        share(child, manager, [general_record], lawful_basis="")
    assert AccessLogEntry.objects.count() == before


# The read helpers.


def test_recipients_are_the_disclosures_of_an_entry_oldest_first(
    child, manager, general_record, sensitive_record
):
    later = share(child, manager, [general_record], decided_on=TODAY())
    earlier = share(
        child, manager, [general_record], decided_on=TODAY() - datetime.timedelta(days=9)
    )
    share(child, manager, [general_record], decision="not_shared", summary="Again")
    other = share(child, manager, [sensitive_record])
    summary_only = share(child, manager, summary="Attendance")
    assert list(sharing_services.past_recipients(general_record)) == [earlier, later]
    assert list(sharing_services.recipients_of(general_record)) == [earlier, later]
    # ``other`` and ``summary_only`` went yesterday, ``later`` today.
    assert list(sharing_services.recipients_of([general_record, sensitive_record])) == [
        earlier,
        other,
        later,
    ]
    assert list(sharing_services.child_recipients(child)) == [earlier, other, summary_only, later]


# The pages.


def test_the_log_lists_shared_and_not_shared_newest_first(client, child, manager, general_record):
    shared = share(child, manager, [general_record], decided_on=TODAY())
    refused = share(
        child,
        manager,
        decision="not_shared",
        summary="Her file",
        decided_on=TODAY() - datetime.timedelta(days=3),
        recipient_organisation="A solicitor's firm",
    )
    client.force_login(manager)
    response = client.get(f"/children/{child.pk}/sharing/")
    assert list(response.context["page"].object_list) == [shared, refused]
    html = response.content.decode()
    assert "Shared" in html
    assert "Not shared" in html
    assert "A solicitor&#x27;s firm" in html


def test_a_nul_in_the_page_number_is_a_page_not_an_error(client, child, manager):
    """The page number typed into the URL goes into the access log (PostgreSQL's jsonb holds
    no NUL: a 500 there before ``access_log.storable``)."""
    share(child, manager, summary="Item")
    client.force_login(manager)
    assert client.get(f"/children/{child.pk}/sharing/?page=1%00").status_code == 200
    assert AccessLogEntry.objects.filter(action="sharing_viewed").last().detail == {"page": "1"}


def test_the_log_is_paginated_by_25(client, child, manager):
    for number in range(30):
        share(child, manager, summary=f"Item {number}")
    client.force_login(manager)
    assert len(client.get(f"/children/{child.pk}/sharing/").context["page"].object_list) == 25
    second = client.get(f"/children/{child.pk}/sharing/?page=2").context["page"]
    assert len(second.object_list) == 5


def new_rows(before: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(id__gt=before).order_by("id"))


def last_row_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("page", ["list", "detail", "pdf"])
def test_each_view_of_the_log_is_in_the_access_log_once(client, child, keyperson, sharing, page):
    url = {
        "list": f"/children/{child.pk}/sharing/",
        "detail": f"/sharing/{sharing.pk}/",
        "pdf": f"/sharing/{sharing.pk}/record.pdf",
    }[page]
    action = AccessAction.SHARING_PRINTED if page == "pdf" else AccessAction.SHARING_VIEWED
    client.force_login(keyperson)
    for _ in range(2):
        before = last_row_id()
        assert client.get(url).status_code == 200
        assert [(r.action, r.actor, r.child) for r in new_rows(before)] == [
            (action, keyperson, child)
        ]


def test_a_refused_viewer_leaves_no_row(client, child, practitioner, sharing):
    client.force_login(practitioner)
    before = last_row_id()
    for url in (f"/children/{child.pk}/sharing/", f"/sharing/{sharing.pk}/"):
        assert client.get(url).status_code == 404
    assert new_rows(before) == []


def test_one_disclosure_shows_titles_and_statements_not_entry_text(
    client, child, manager, sensitive_record
):
    statements.statement_record(
        record=sensitive_record,
        actor=manager,
        words="We disagree with this.",
        made_on=TODAY(),
        taken_how="letter",
        made_by_name="Farah Khan",
    )
    item = share(child, manager, [sensitive_record], lawful_basis_detail="DPA 2018 Sch. 1")
    client.force_login(manager)
    html = client.get(f"/sharing/{item.pk}/").content.decode()
    assert sensitive_record.title in html
    assert sensitive_record.get_absolute_url() in html
    assert "We disagree with this." in html
    assert sensitive_record.body not in html
    assert "Legal obligation" in html


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_printed_record_names_the_recipient_the_basis_and_says_confidential(
    client, child, manager, sensitive_record
):
    item = share(child, manager, [sensitive_record])
    client.force_login(manager)
    response = client.get(f"/sharing/{item.pk}/record.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Sarah Whitfield" in text
    assert "social care" in text
    assert "Legal obligation" in text
    assert "Confidential" in text
    assert sensitive_record.title in text
    assert sensitive_record.body not in text


def test_the_printed_record_fetches_nothing_but_its_stylesheet(child, manager, sensitive_record):
    from access_requests.pdf import StaticOnlyURLFetcher
    from children.sharing_pdf import render_sharing

    item = share(
        child,
        manager,
        [sensitive_record],
        summary='<img src="file:///etc/passwd"><link rel="stylesheet" href="http://x.test/a">',
    )
    fetcher = StaticOnlyURLFetcher()
    render_sharing(item, list(item.shared_entries.all()), fetcher=fetcher)
    assert fetcher.refused == []
    assert [url.rsplit("/", 1)[-1] for url in fetcher.served] == ["sharing.css"]


# The form.


def form_data(**extra):
    data = {
        "decision": "shared",
        "decided_on": str(TODAY()),
        "recipient_organisation": "Health visiting team",
        "recipient_name": "Rachel Moore",
        "recipient_role": "Health visitor",
        "summary": "",
        "purpose": "Development review",
        "framework": "referral",
        "framework_detail": "",
        "lawful_basis": "public_task",
        "lawful_basis_detail": "",
        "consent": "given",
        "consent_reason": "",
        "method": "secure_email",
    }
    return data | extra


def test_the_form_records_a_disclosure(client, child, keyperson, general_record):
    client.force_login(keyperson)
    url = f"/children/{child.pk}/sharing/new/"
    page = client.get(url)
    assert general_record.title in page.content.decode()
    response = client.post(url, form_data(decided_by=keyperson.pk, entries=[general_record.pk]))
    item = InformationSharing.objects.get()
    assert response["Location"] == f"/sharing/{item.pk}/"
    assert (item.recipient_name, item.decided_by, item.lawful_basis) == (
        "Rachel Moore",
        keyperson,
        "public_task",
    )
    assert [e.record for e in item.shared_entries.all()] == [general_record]


def test_the_form_shows_errors_beside_their_fields_and_keeps_what_was_typed(client, child, manager):
    client.force_login(manager)
    response = client.post(
        f"/children/{child.pk}/sharing/new/",
        form_data(
            decided_by=manager.pk,
            summary="What we said on the phone",
            consent="not_sought",
            lawful_basis="",
            method="",
            framework="other",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"consent_reason", "lawful_basis", "method", "framework_detail"}
    html = response.content.decode()
    assert "What we said on the phone" in html
    assert 'value="Rachel Moore"' in html
    assert nothing_saved()


def test_a_decision_not_to_share_needs_no_basis_on_the_form(client, child, manager):
    client.force_login(manager)
    response = client.post(
        f"/children/{child.pk}/sharing/new/",
        form_data(
            decided_by=manager.pk,
            decision="not_shared",
            summary="Her whole file",
            lawful_basis="",
            method="",
            consent="not_sought",
        ),
    )
    assert response.status_code == 302
    assert not InformationSharing.objects.get().is_shared


def test_the_form_marks_a_disputed_entry_and_asks_why(client, child, manager, sensitive_record):
    dispute(sensitive_record, manager)
    client.force_login(manager)
    url = f"/children/{child.pk}/sharing/new/"
    html = client.get(url).content.decode()
    assert "disputed by a parent" in html
    field = f"disputed_reason_{sensitive_record.pk}"
    assert f'name="{field}"' in html
    response = client.post(url, form_data(decided_by=manager.pk, entries=[sensitive_record.pk]))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert nothing_saved()
    response = client.post(
        url,
        form_data(
            decided_by=manager.pk, entries=[sensitive_record.pk], **{field: "Safeguarding referral"}
        ),
    )
    assert response.status_code == 302
    assert SharedEntry.objects.get().disputed_reason == "Safeguarding referral"


def test_the_form_offers_only_the_childs_entries_and_the_settings_staff(
    client, child, manager, general_record, other_child, othermanager
):
    theirs = write(other_child, othermanager, title="Someone else's entry")
    client.force_login(manager)
    url = f"/children/{child.pk}/sharing/new/"
    response = client.post(url, form_data(decided_by=manager.pk, entries=[theirs.pk]))
    assert "entries" in response.context["form"].errors
    response = client.post(url, form_data(decided_by=othermanager.pk, summary="x"))
    assert "decided_by" in response.context["form"].errors
    assert nothing_saved()


# The child's page and the entry's page.


def test_the_child_page_shows_the_latest_three_to_those_who_keep_the_log(
    client, child, keyperson, practitioner, manager, general_record
):
    for days in range(5):
        share(
            child,
            manager,
            [general_record],
            decided_on=TODAY() - datetime.timedelta(days=days),
            recipient_organisation=f"Agency {days}",
        )
    share(child, manager, decision="not_shared", summary="x", recipient_organisation="Refused")
    client.force_login(keyperson)
    response = client.get(f"/children/{child.pk}/")
    html = response.content.decode()
    assert len(response.context["sharings"]) == 3
    assert "Shared with Sarah Whitfield, Social worker, Agency 0 on" in html
    assert "Decided not to share with Sarah Whitfield, Social worker, Refused on" in html
    assert "Agency 4" not in html
    assert "Record sharing or a decision not to share" in html
    client.force_login(practitioner)
    html = client.get(f"/children/{child.pk}/").content.decode()
    assert "Information sharing" not in html
    assert "Agency" not in html


def test_the_entry_page_says_who_it_was_shared_with(
    client, child, manager, keyperson, grant_holder, grants, sensitive_record
):
    share(child, manager, [sensitive_record], decided_on=datetime.date(2026, 3, 1))
    share(child, manager, [sensitive_record], decision="not_shared", summary="x")
    client.force_login(keyperson)
    html = client.get(f"/records/{sensitive_record.pk}/").content.decode()
    line = "Shared with Sarah Whitfield, Social worker, Children&#x27;s social care on 1 March 2026"
    assert line in html
    assert "not to share" not in html
    client.force_login(grant_holder)
    html = client.get(f"/records/{sensitive_record.pk}/").content.decode()
    assert "Shared with" not in html


# Query counts that do not grow with the log.


@pytest.fixture(params=[1, 30])
def logged(request, child, manager, general_record):
    for number in range(request.param):
        share(child, manager, [general_record], recipient_organisation=f"Agency {number}")
    return request.param


def test_sharing_list_queries(client, keyperson, child, logged, django_assert_num_queries):
    client.force_login(keyperson)
    # the child with its rights; the access log row; the count; the page of disclosures with
    # who decided and the number of entries
    count_for(
        client, f"/children/{child.pk}/sharing/", django_assert_num_queries, FRAME + 3 + log_write()
    )


def test_child_page_queries_with_the_log(
    client, keyperson, child, logged, django_assert_num_queries
):
    client.force_login(keyperson)
    # as without the log (tests/children/test_query_counts.py: the child page and the latest
    # disclosures), then the access log row for the lines of the log shown
    count_for(
        client,
        f"/children/{child.pk}/",
        django_assert_num_queries,
        FRAME + CHILD_PAGE + 1 + log_write(),
    )


def test_entry_page_queries_with_the_log(
    client, keyperson, general_record, logged, django_assert_num_queries
):
    client.force_login(keyperson)
    # the record with its rights; its parent's statements; the disclosures that included it;
    # the access log row for the lines of the log shown
    count_for(
        client, f"/records/{general_record.pk}/", django_assert_num_queries, FRAME + 3 + log_write()
    )


def test_one_disclosure_queries(client, keyperson, child, manager, django_assert_num_queries):
    entries = [write(child, manager, title=f"Entry {n}") for n in range(10)]
    item = share(child, manager, entries)
    client.force_login(keyperson)
    # the disclosure with its child, setting and people; the access log row; its entries with
    # their records
    count_for(client, f"/sharing/{item.pk}/", django_assert_num_queries, FRAME + 2 + log_write())
