"""The inspector-ready record of complaints (EYFS statutory framework, section 3 "Complaints"):
what it holds, the 28-day column, the period, the anonymisation, the PDF and CSV files, who
may have them, the access log and the queries it costs."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

import access_requests.pdf as pack_pdf
from children import services as children_services
from complaints import record
from complaints import services as complaint_services
from complaints.models import Complaint
from complaints.record import Anonymiser, label_letters, name_key, name_variants
from complaints.record_views import CSV_HEADER, csv_cell
from setting_records import access
from setting_records.models import AccessAction, AccessLogEntry, Role
from setting_records.services import membership_add
from tests.children.test_query_counts import FRAME, log_write
from tests.complaints.conftest import advance, log_complaint
from tests.conftest import make_staff

TODAY = timezone.localdate
RECORD_URLS = ["complaints:record", "complaints:record_pdf", "complaints:record_csv"]
PATHS = {
    "complaints:record": "/complaints/record/",
    "complaints:record_pdf": "/complaints/record.pdf",
    "complaints:record_csv": "/complaints/record.csv",
}


def days_ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


def period(setting, start: datetime.date, end: datetime.date) -> str:
    return f"?setting={setting.pk}&start={start.isoformat()}&end={end.isoformat()}"


def last_year(setting) -> str:
    return period(setting, days_ago(365), TODAY())


def rename(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def told(complaint, manager, *, actions: str, outcome: str = "upheld", on=None):
    """Investigate ``complaint`` and tell the outcome, with ``actions`` as the actions taken."""
    complaint = advance(complaint, manager, "investigating")
    return complaint_services.complaint_notify_outcome(
        complaint=complaint,
        actor=manager,
        findings="Findings naming everyone involved.",
        outcome=outcome,
        actions_taken=actions,
        notified_on=on or TODAY(),
        notified_how="letter",
    )


def built(manager, setting, start=None, end=None) -> record.ComplaintsRecord:
    return record.build_record(
        access.visible_complaints(manager),
        setting=setting,
        start=start or days_ago(365),
        end=end or TODAY(),
    )


def csv_table(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def pdf_text(pdf: bytes) -> str:
    # As tests/access_requests/test_pack_pdf.py reads a pack: what an inspector would read.
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


# The labels and the scrubbing, on their own.


def test_labels_run_a_to_z_then_on_as_spreadsheet_columns():
    assert [label_letters(n) for n in (1, 2, 26, 27, 52, 53)] == ["A", "B", "Z", "AA", "AZ", "BA"]


def test_name_variants_are_each_part_its_pieces_and_the_whole():
    assert name_variants("Oliver", "Brennan-Whitlock") == {
        "Oliver",
        "Brennan-Whitlock",
        "Brennan",
        "Whitlock",
        "Oliver Brennan-Whitlock",
    }
    # An initial names nobody and would strike out every "a" in the text.
    assert name_variants("J", "O'Neill") == {"O'Neill", "Neill", "J O'Neill"}


def test_the_anonymiser_labels_each_kind_in_order_and_keeps_a_label():
    anonymiser = Anonymiser([])
    assert anonymiser.label(("child", 7)) == "Child A"
    assert anonymiser.label(("staff", 7)) == "Staff member A"
    assert anonymiser.label(("child", 3)) == "Child B"
    assert anonymiser.label(("named", "pat jones"), as_complainant=True) == "Complainant A"
    assert anonymiser.label(("person", 7), as_complainant=True) == "Complainant B"
    # Someone in a register, or a complainant of another period, who is not a complainant of
    # this export is a "Person".
    assert anonymiser.label(("person", 8)) == "Person A"
    assert anonymiser.label(("named", "ann lee")) == "Person B"
    assert anonymiser.label(("child", 7)) == "Child A"
    # The first label given stays, whatever is asked later.
    assert anonymiser.label(("person", 7)) == "Complainant B"
    assert anonymiser.label(("person", 8), as_complainant=True) == "Person A"


def test_a_name_is_known_by_its_folded_key():
    assert name_key("  Zoë   STRAUß ") == name_key("zoe strauss") == "zoe strauss"
    # Decomposed accents, curly apostrophes, ligatures and full-width letters too.
    assert name_key("Zoe\u0308 O\u2019Neill") == name_key("ZOË O'NEILL") == "zoe o'neill"
    assert name_key("\ufb01ona") == "fiona"
    assert name_key("\uff25\uff4d\uff4d\uff41") == "emma"


def test_scrubbing_takes_whole_names_longest_first_in_any_case():
    amara, farah, helen = ("child", 1), ("person", 2), ("staff", 3)
    known = [
        *((name, amara) for name in name_variants("Amara", "Khan") | {"Mara"}),
        *((name, farah) for name in name_variants("Farah", "Khan")),
        *((name, helen) for name in name_variants("Helen", "Carter")),
    ]
    anonymiser = Anonymiser(known)
    anonymiser.label(amara)
    anonymiser.label(farah, as_complainant=True)
    scrubbed = anonymiser.scrub(
        "AMARA khan's mother farah\nKhan spoke to Helen; Khan, Mara and Maradona; Caroline."
    )
    # Helen had no label: she gets the next one of her kind; "Khan" alone is two people's, so
    # it goes; "Maradona" and "Caroline" are not names anyone here has (whole words only).
    assert scrubbed == (
        "Child A's mother Complainant A spoke to Staff member A; [name removed], Child A and "
        "Maradona; Caroline."
    )


def test_names_are_found_whatever_their_case_folding_and_accents():
    zoe = ("child", 1)
    anonymiser = Anonymiser((name, zoe) for name in name_variants("Zoë", "Strauß"))
    scrubbed = anonymiser.scrub(
        "ZOË STRAUSS, Zoe Strauss, zoë strauß; Zoe\u0308 (accent typed apart), STRAUß, Strauss."
    )
    assert scrubbed == (
        "Child A, Child A, Child A; Child A (accent typed apart), Child A, Child A."
    )
    # And the other way round: held without the accent or the sharp s, typed with them.
    plain = Anonymiser((name, zoe) for name in name_variants("Zoe", "Strauss"))
    assert plain.scrub("Zoë Strauß and ZOË") == "Child A and Child A"
    assert plain.scrub("Zoey and Straussberg") == "Zoey and Straussberg"


def test_a_plural_or_possessive_ending_goes_with_the_name_and_a_possessive_stays():
    amara, farah, pat = ("child", 1), ("person", 2), ("named", "pat jones")
    known = [
        *((name, amara) for name in name_variants("Amara", "Khan")),
        *((name, farah) for name in name_variants("Farah", "Khan")),
        *((name, pat) for name in name_variants("Pat", "Jones")),
    ]
    anonymiser = Anonymiser(known)
    anonymiser.label(pat, as_complainant=True)
    scrubbed = anonymiser.scrub(
        "Met the Khans; the Khans\u2019 car; Amara's coat, AMARA\u2019S hat, Farahs note; the "
        "Joneses came; Pat Jones' dog and Jones's cat. Khanate and Amaranth are not names."
    )
    # A surname two people share stays removed, plural or not; a possessive keeps its "'s"
    # (as typed) after the label; a plural ending goes with the name.
    assert scrubbed == (
        "Met the [name removed]; the [name removed]\u2019s car; Child A's coat, Child A\u2019S "
        "hat, Person A note; the Complainant A came; Complainant A's dog and Complainant A's "
        "cat. Khanate and Amaranth are not names."
    )


def test_a_label_put_in_is_never_scrubbed_again():
    anonymiser = Anonymiser([("Child", ("staff", 1)), ("Ann", ("child", 2))])
    anonymiser.label(("child", 2))
    assert anonymiser.scrub("Ann") == "Child A"


# The rows and the 28-day column.


def test_each_case_of_the_28_day_column(setting, manager):
    met = told(log_complaint(setting, manager, received_on=days_ago(10)), manager, actions="Fixed")
    late = told(log_complaint(setting, manager, received_on=days_ago(40)), manager, actions="Fix")
    waiting = log_complaint(setting, manager, received_on=days_ago(28))
    overdue = log_complaint(setting, manager, received_on=days_ago(29))
    off_clock = log_complaint(
        setting, manager, received_on=days_ago(50), received_how="phone", on_clock=False
    )
    withdrawn = complaint_services.complaint_withdraw(
        complaint=log_complaint(setting, manager, received_on=days_ago(60)),
        actor=manager,
        reason="Sorted out at the door.",
    )
    rows = {row.reference: row for row in built(manager, setting).rows}
    assert {ref: row.twenty_eight_days for ref, row in rows.items()} == {
        met.reference: "Yes",
        late.reference: "No",
        # Due today: still in time.
        waiting.reference: "Not yet",
        overdue.reference: "Overdue",
        off_clock.reference: "Not on the 28-day clock",
        withdrawn.reference: "Withdrawn before the outcome",
    }
    assert rows[met.reference].due_on == days_ago(10) + datetime.timedelta(days=28)
    assert rows[met.reference].outcome_notified_on == TODAY()
    assert rows[met.reference].acknowledged_on == TODAY()
    assert rows[met.reference].outcome == "Upheld"
    assert rows[met.reference].state == "Outcome told"
    assert rows[off_clock.reference].due_on is None
    assert rows[off_clock.reference].on_clock is False
    assert rows[withdrawn.reference].state == "Withdrawn"
    summary = built(manager, setting).summary
    assert (summary.complaints, summary.on_clock, summary.met) == (6, 5, 1)
    assert (summary.not_met, summary.overdue) == (1, 1)


def test_rows_are_oldest_first_and_hold_no_words_of_the_complaint_or_findings(setting, manager):
    newer = told(log_complaint(setting, manager, received_on=days_ago(2)), manager, actions="A")
    older = log_complaint(setting, manager, received_on=days_ago(20), about="care")
    complaint_services.complaint_taken_further(
        complaint=newer,
        actor=manager,
        taken_further_to="ofsted",
        taken_further_on=TODAY(),
        taken_further_outcome="No further action.",
    )
    rows = built(manager, setting).rows
    assert [row.reference for row in rows] == [older.reference, newer.reference]
    assert rows[0].about == "The care of a child"
    assert rows[0].received_how == "In writing (letter or form)"
    assert (rows[1].taken_further_to, rows[1].taken_further_on) == ("Ofsted", TODAY())
    assert rows[1].taken_further_outcome == "No further action."
    fields = " ".join(str(value) for row in rows for value in row.__dict__.values())
    assert "garden gate" not in fields
    assert "Findings naming" not in fields


def test_the_period_includes_both_ends_and_nothing_of_another_setting(
    setting, other_setting, manager, othermanager
):
    start, end = days_ago(30), days_ago(10)
    received = {
        days: log_complaint(setting, manager, received_on=days_ago(days)).reference
        for days in (31, 30, 20, 10, 9)
    }
    log_complaint(other_setting, othermanager, received_on=days_ago(20))
    rows = built(manager, setting, start, end).rows
    assert [row.reference for row in rows] == [received[30], received[20], received[10]]
    # Nor for a manager of both settings, who sees both settings' complaints elsewhere.
    both = make_staff(other_setting, "twohats", Role.MANAGER)
    membership_add(user=both, setting=setting, role=Role.MANAGER, actor=None)
    assert [row.reference for row in built(both, setting, start, end).rows] == [
        received[30],
        received[20],
        received[10],
    ]


def test_labels_are_consistent_within_one_export_and_in_order(
    setting, manager, keyperson, practitioner, child, mother
):
    second = children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=keyperson,
        first_name="Oliver",
        last_name="Brennan-Whitlock",
        date_of_birth=datetime.date(2022, 6, 1),
        started_on=datetime.date(2023, 9, 1),
    )
    first = log_complaint(
        setting, manager, received_on=days_ago(30), child=second, staff_concerned=practitioner
    )
    log_complaint(
        setting,
        manager,
        received_on=days_ago(20),
        child=child,
        complainant=mother,
        complainant_name="",
        staff_concerned=keyperson,
    )
    log_complaint(
        setting,
        manager,
        received_on=days_ago(10),
        child=second,
        staff_concerned=keyperson,
        complainant_name="  pat   JONES ",
    )
    rows = built(manager, setting).rows
    assert rows[0].reference == first.reference
    assert [(row.complainant, row.child, row.staff_concerned) for row in rows] == [
        ("Complainant A", "Child A", "Staff member A"),
        ("Complainant B", "Child B", "Staff member B"),
        # The same name typed again, spaced and cased differently, is the same complainant.
        ("Complainant A", "Child A", "Staff member B"),
    ]


def test_people_named_only_in_the_free_text_are_labelled_in_row_order(
    setting, manager, keyperson, practitioner, child, mother, father, grandmother
):
    rename(manager, "Helen", "Carter")
    rename(keyperson, "Bethany", "Oduya")
    rename(practitioner, "Tomasz", "Wierzbicki")
    children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=keyperson,
        first_name="Oliver",
        last_name="Brennan-Whitlock",
        date_of_birth=datetime.date(2022, 6, 1),
        started_on=datetime.date(2023, 9, 1),
    )
    told(
        log_complaint(setting, manager, received_on=days_ago(20)),
        manager,
        actions="Nadia Khan and Helen met; Oliver's room moved. HELEN again; Farah told.",
    )
    later = log_complaint(
        setting,
        manager,
        received_on=days_ago(10),
        child=child,
        complainant=mother,
        complainant_name="",
        staff_concerned=keyperson,
    )
    told(later, manager, actions="Tomasz, Dan, Nadia and Helen met the Khans; Bethany sorry.")
    first, second = built(manager, setting).rows
    # The people of the rows first, row by row: Pat Jones, then the mother, Amara, Bethany.
    assert (first.complainant, first.child, first.staff_concerned) == ("Complainant A", "", "")
    assert (second.complainant, second.child, second.staff_concerned) == (
        "Complainant B",
        "Child A",
        "Staff member A",
    )
    # Then the free text, row by row: the grandmother (in the register, no complainant here)
    # is "Person A", the manager the next member of staff, Oliver the next child; the mother,
    # named before her own row, is already "Complainant B".
    assert first.actions_taken == (
        "Person A and Staff member B met; Child B's room moved. Staff member B again; "
        "Complainant B told."
    )
    # The same people keep their labels in the later row; the ones first met there come
    # after; the family's shared surname, plural, is removed.
    assert second.actions_taken == (
        "Staff member C, Person B, Person A and Staff member B met the [name removed]; "
        "Staff member A sorry."
    )


def test_a_complainant_of_another_period_is_found_in_this_periods_free_text(setting, manager):
    log_complaint(setting, manager, received_on=days_ago(400), complainant_name="Mrs Zoë Strauß")
    told(
        log_complaint(setting, manager, received_on=days_ago(5)),
        manager,
        actions="STRAUSS called; Zoe\u2019s sister too; ZOË STRAUSS told.",
    )
    (row,) = built(manager, setting).rows
    # Pat Jones, of this period's row, is the complainant; the earlier complainant, not in this
    # export, is a "Person".
    assert row.complainant == "Complainant A"
    assert row.actions_taken == "Person A called; Person A\u2019s sister too; Person A told."


# The files, and that nobody is named in them.


@pytest.fixture
def named_world(setting, manager, keyperson, practitioner, child, mother, father):
    """Complaints whose free text names children, parents and staff, every way round."""
    rename(manager, "Helen", "Carter")
    rename(keyperson, "Bethany", "Oduya")
    rename(practitioner, "Tomasz", "Wierzbicki")
    oliver = children_services.child_create(
        setting=setting,
        actor=manager,
        key_person=keyperson,
        first_name="Oliver",
        last_name="Brennan-Whitlock",
        date_of_birth=datetime.date(2022, 6, 1),
        started_on=datetime.date(2023, 9, 1),
    )
    first = log_complaint(
        setting,
        manager,
        received_on=days_ago(20),
        about="care",
        child=child,
        complainant=mother,
        complainant_name="",
        complainant_contact="",
        staff_concerned=keyperson,
        summary="Farah Khan says Bethany Oduya left Amara outside.",
    )
    first = told(
        first,
        manager,
        actions=(
            "Helen Carter met farah KHAN and Bethany Oduya; AMARA's gate fixed. Mara happier. "
            "Dan Khan told. Oliver Brennan-Whitlock moved rooms; keyperson retrained. Tomasz too."
        ),
    )
    complaint_services.complaint_taken_further(
        complaint=first,
        actor=manager,
        taken_further_to="ofsted",
        taken_further_on=TODAY(),
        taken_further_outcome="Ofsted spoke to WIERZBICKI and farah; no action on Carter.",
    )
    second = log_complaint(
        setting,
        manager,
        received_on=days_ago(10),
        about="staff_conduct",
        child=oliver,
        staff_concerned=practitioner,
        complainant_name="Mrs Priya Venkataraman",
        summary="Tomasz Wierzbicki was rude to Priya.",
    )
    told(second, manager, actions="Priya Venkataraman and Oliver's teacher Oduya met.")
    return setting


REAL_NAMES = [
    "Amara",
    "Mara",
    "Khan",
    "Farah",
    "Oliver",
    "Brennan",
    "Whitlock",
    "Helen",
    "Carter",
    "Bethany",
    "Oduya",
    "Tomasz",
    "Wierzbicki",
    "Priya",
    "Venkataraman",
]


def assert_nobody_named(text: str) -> None:
    folded = text.casefold()
    assert [name for name in REAL_NAMES if name.casefold() in folded] == []
    # "Dan" is also inside ordinary words: as a word of its own.
    assert not re.search(r"(?<!\w)dan(?!\w)", folded)


def test_the_csv_names_nobody(client, manager, named_world):
    client.force_login(manager)
    response = client.get("/complaints/record.csv" + last_year(named_world))
    assert response.status_code == 200
    table = csv_table(response)
    assert_nobody_named(response.content.decode())
    header, first, second = table
    assert header[15] == "Actions taken"
    assert first[4:7] == ["Complainant A", "Child A", "Staff member A"]
    # A username ("keyperson") is not a name: an ordinary word stays as typed.
    # The people of the rows have the first labels (row by row); the manager and the father,
    # named only in the free text, have the next ones of their kind, the father as a "Person"
    # since he complained of nothing here.
    assert first[15] == (
        "Staff member C met Complainant A and Staff member A; Child A's gate fixed. Child A "
        "happier. Person A told. Child B moved rooms; keyperson retrained. "
        "Staff member B too."
    )
    assert (
        first[18]
        == "Ofsted spoke to Staff member B and Complainant A; no action on Staff member C."
    )
    assert second[4:7] == ["Complainant B", "Child B", "Staff member B"]
    assert second[15] == "Complainant B and Child B's teacher Staff member A met."


def test_the_pdf_names_nobody(client, manager, named_world):
    client.force_login(manager)
    response = client.get("/complaints/record.pdf" + last_year(named_world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert_nobody_named(text)
    # It is the record: the setting, its URN, labels and the scrubbed words are there.
    assert "Little Acorns Nursery" in text
    assert "EY100001" in text
    assert "Child A's gate fixed" in text
    assert "Complainant B" in text
    assert "Person A told" in text
    assert "Within 28 days: Yes" in text
    assert "Page 1 of" in text


def test_the_pdf_asks_for_its_own_stylesheet_only(client, manager, setting, monkeypatch):
    fetchers = []
    real = pack_pdf.StaticOnlyURLFetcher

    def recording(*args, **kwargs):
        fetcher = real(*args, **kwargs)
        fetchers.append(fetcher)
        return fetcher

    monkeypatch.setattr(pack_pdf, "StaticOnlyURLFetcher", recording)
    log_complaint(setting, manager)
    client.force_login(manager)
    assert client.get("/complaints/record.pdf" + last_year(setting)).status_code == 200
    (fetcher,) = fetchers
    assert [url.rsplit("/", 1)[-1] for url in fetcher.served] == ["complaints-record.css"]
    assert fetcher.refused == []


@pytest.mark.parametrize(
    ("typed", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tlooks empty", "'\tlooks empty"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("Latch replaced", "Latch replaced"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_made_text(typed, cell):
    assert csv_cell(typed) == cell


def test_csv_injection_is_neutralised_in_the_file(client, setting, manager):
    told(log_complaint(setting, manager), manager, actions='=HYPERLINK("http://evil","x")')
    client.force_login(manager)
    (_, row) = csv_table(client.get("/complaints/record.csv" + last_year(setting)))
    assert row[15] == '\'=HYPERLINK("http://evil","x")'


def test_the_csv_has_a_header_uk_dates_and_a_safe_name(client, setting, manager):
    complaint = log_complaint(setting, manager, received_on=datetime.date(2026, 1, 5))
    client.force_login(manager)
    response = client.get(
        "/complaints/record.csv" + period(setting, datetime.date(2026, 1, 1), TODAY())
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="complaints-EY100001-20260101-{TODAY():%Y%m%d}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    header, row = csv_table(response)
    assert header[:3] == ["Reference", "Received on", "How it was received"]
    assert row[:2] == [complaint.reference, "05/01/2026"]
    assert row[8] == "05/01/2026"  # the 28 days counted from the day received
    assert row[10] == "02/02/2026"  # due: 28 days on
    assert row[7] == "Yes"  # on the clock


def test_an_empty_period_is_a_record_too(client, setting, manager):
    log_complaint(setting, manager, received_on=days_ago(40))
    client.force_login(manager)
    query = period(setting, days_ago(30), TODAY())
    assert csv_table(client.get("/complaints/record.csv" + query)) == [CSV_HEADER]
    text = pdf_text(client.get("/complaints/record.pdf" + query).content)
    assert "0 complaints" in text
    assert "No complaints were received in this period." in text


# The form page and its errors.


def test_the_form_page_shows_the_counts_and_links_carrying_the_period(client, setting, manager):
    told(log_complaint(setting, manager), manager, actions="Fixed")
    log_complaint(setting, manager, received_on=days_ago(40))
    log_complaint(setting, manager, received_how="phone", on_clock=False)
    client.force_login(manager)
    query = last_year(setting)
    response = client.get("/complaints/record/" + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<dt>Complaints</dt><dd>3</dd>" in page
    assert "<dt>On the 28-day clock</dt><dd>2</dd>" in page
    assert "<dt>Outcome told within 28 days</dt><dd>1</dd>" in page
    assert "<dt>Overdue now</dt><dd>1</dd>" in page
    assert f'href="/complaints/record.pdf{query.replace("&", "&amp;")}"' in page
    assert f'href="/complaints/record.csv{query.replace("&", "&amp;")}"' in page
    # Looking at the counts is not an export.
    assert not AccessLogEntry.objects.filter(action=AccessAction.COMPLAINTS_EXPORTED).exists()


def test_the_form_page_asks_for_the_setting_only_of_a_manager_of_several(
    client, setting, other_setting, manager
):
    client.force_login(manager)
    assert 'type="hidden" name="setting"' in client.get("/complaints/record/").content.decode()
    both = make_staff(other_setting, "twohats", Role.MANAGER)
    membership_add(user=both, setting=setting, role=Role.MANAGER, actor=None)
    client.force_login(both)
    page = client.get("/complaints/record/").content.decode()
    assert '<select name="setting"' in page
    # Left out of the address, the setting of a one-setting manager is theirs.
    client.force_login(manager)
    response = client.get(f"/complaints/record.csv?start={days_ago(9)}&end={TODAY()}")
    assert response.status_code == 200


@pytest.mark.parametrize("name", RECORD_URLS)
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?start=2026-03-01&end=2026-02-01", "end", "This must be on or after the first day."),
        ("?end=2026-02-01", "start", "This field is required."),
        ("?start=1st+March&end=2026-02-01", "start", "Enter a date such as 31/01/2025."),
        ("?start=99999-01-01&end=2026-02-01", "start", "Enter a date such as 31/01/2025."),
        ("?start=2016-01-01&end=2026-02-01", "end", "One record covers at most 5 years"),
        ("?setting=abc&start=2026-01-01&end=2026-02-01", "setting", "Select a valid choice"),
    ],
)
def test_bad_or_missing_params_show_the_form_again_with_the_error(
    client, setting, manager, name, query, field, message
):
    client.force_login(manager)
    response = client.get(PATHS[name] + query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    # Beside the field it is about (or at the top, for the hidden setting).
    if field == "setting":
        assert re.search(rf'class="error-summary".*{re.escape(message)}', page, re.S)
    else:
        assert re.search(
            rf'id="id_{field}_error">.*?{re.escape(message)}.*?name="{field}"', page, re.S
        )
    assert not AccessLogEntry.objects.filter(action=AccessAction.COMPLAINTS_EXPORTED).exists()


@pytest.mark.parametrize("name", ["complaints:record_pdf", "complaints:record_csv"])
def test_a_file_asked_for_without_a_period_is_the_form_with_errors(client, manager, name):
    client.force_login(manager)
    response = client.get(PATHS[name])
    assert response.status_code == 400
    assert 'id="id_start_error"' in response.content.decode()
    assert 'id="id_end_error"' in response.content.decode()


def test_the_form_page_without_a_period_is_the_empty_form(client, manager):
    client.force_login(manager)
    response = client.get(PATHS["complaints:record"])
    assert response.status_code == 200
    assert "field__errors" not in response.content.decode()
    assert "Download the PDF" not in response.content.decode()


def test_the_form_page_says_which_names_cannot_be_found(client, manager):
    client.force_login(manager)
    page = " ".join(client.get(PATHS["complaints:record"]).content.decode().split())
    assert "Names the setting does not hold cannot be found" in page
    assert "an agency worker or a health visitor" in page
    assert "Read the actions taken before you hand the record over." in page
    # It no longer promises that nobody is named.
    assert "Nobody is named in it" not in page


def test_dates_typed_the_uk_way_are_read_the_uk_way(client, setting, manager):
    log_complaint(setting, manager, received_on=datetime.date(2026, 2, 3))
    client.force_login(manager)
    (_, row) = csv_table(
        client.get(f"/complaints/record.csv?setting={setting.pk}&start=03/02/2026&end=03/02/2026")
    )
    assert row[1] == "03/02/2026"


# Who may have it.


@pytest.fixture
def roles(manager, practitioner, outsider, keyperson, othermanager, superuser, child):
    return {
        "manager": manager,
        "practitioner": practitioner,
        "outsider": outsider,
        "keyperson": keyperson,
        "othermanager": othermanager,
        "superuser": superuser,
    }


# The record's three URLs by role: only the setting's managers have it (another helper keeps the
# matrix of the other complaints: URLs).
MATRIX = [
    (name, role, 200 if role == "manager" else 404)
    for name in RECORD_URLS
    for role in ["manager", "practitioner", "outsider", "keyperson", "othermanager", "superuser"]
]


@pytest.mark.parametrize(("name", "role", "status"), MATRIX)
def test_record_permission_matrix(
    client, setting, roles, logged_by_practitioner, name, role, status
):
    # The practitioner logged a complaint of the period: still not theirs to export.
    client.force_login(roles[role])
    assert client.get(PATHS[name] + last_year(setting)).status_code == status


@pytest.mark.parametrize("name", RECORD_URLS)
def test_anonymous_is_sent_to_log_in(client, setting, name):
    response = client.get(PATHS[name] + last_year(setting))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", RECORD_URLS)
def test_another_settings_id_is_a_404_like_one_that_does_not_exist(
    client, setting, other_setting, manager, othermanager, name
):
    client.force_login(othermanager)
    assert client.get(PATHS[name] + last_year(setting)).status_code == 404
    client.force_login(manager)
    assert client.get(PATHS[name] + last_year(other_setting)).status_code == 404
    missing = f"?setting=987654&start={days_ago(9)}&end={TODAY()}"
    assert client.get(PATHS[name] + missing).status_code == 404
    huge = f"?setting={2**70}&start={days_ago(9)}&end={TODAY()}"
    assert client.get(PATHS[name] + huge).status_code == 400


def test_the_paths_are_the_url_names():
    assert {name: reverse(name) for name in RECORD_URLS} == PATHS


# The access log.


@pytest.mark.parametrize("kind", ["pdf", "csv"])
def test_each_download_is_logged_once_with_its_detail(client, setting, manager, kind):
    for _ in range(2):
        log_complaint(setting, manager)
    client.force_login(manager)
    start, end = days_ago(30), TODAY()
    before = AccessLogEntry.objects.count()
    assert client.get(f"/complaints/record.{kind}" + period(setting, start, end)).status_code == 200
    (entry,) = AccessLogEntry.objects.order_by("id")[before:]
    assert entry.action == AccessAction.COMPLAINTS_EXPORTED
    assert entry.actor == manager
    assert entry.setting == setting
    assert entry.child is None
    assert entry.detail == {
        "format": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "complaints": 2,
    }
    client.get(f"/complaints/record.{kind}" + period(setting, start, end))
    assert AccessLogEntry.objects.filter(action=AccessAction.COMPLAINTS_EXPORTED).count() == 2


# Queries: the same however many complaints there are.


@pytest.fixture
def many(setting, manager, keyperson, practitioner, child, mother):
    for days in range(1, 13):
        log_complaint(
            setting,
            manager,
            received_on=days_ago(days),
            child=child,
            staff_concerned=practitioner if days % 2 else keyperson,
            complainant=mother if days % 3 == 0 else None,
            complainant_name="" if days % 3 == 0 else f"Parent {days}",
        )
    assert Complaint.objects.count() == 12


def test_form_page_queries(client, setting, manager, many, django_assert_num_queries):
    client.force_login(manager)
    url = "/complaints/record/" + last_year(setting)
    client.get(url)  # warm caches (content types) so that only the page's own queries count
    # the settings the user manages; the chosen one, checked among them; the complaints of the
    # period (counted in Python, with the 28-day rule the record uses)
    with django_assert_num_queries(FRAME + 3):
        assert client.get(url).status_code == 200


def test_csv_queries(client, setting, manager, many, django_assert_num_queries):
    client.force_login(manager)
    url = "/complaints/record.csv" + last_year(setting)
    client.get(url)
    # a file, not a page: no header, so not the header's memberships; then the settings the
    # user manages; the chosen one, checked among them; the complaints of the period with their
    # child, complainant and member of staff; the setting's children's names; the names of the
    # people in its registers; its staff's names; every complainant's name typed in at the
    # setting, in any period (the one query added so that an earlier complainant named in this
    # period's actions is found); then the access log row
    with django_assert_num_queries(FRAME - 1 + 7 + log_write()):
        assert client.get(url).status_code == 200


def test_the_managers_complaint_list_links_the_record_and_the_staff_list_does_not(
    client, setting, manager, practitioner
):
    log_complaint(setting, practitioner, received_how="phone")
    client.force_login(manager)
    assert 'href="/complaints/record/"' in client.get("/complaints/").content.decode()
    client.force_login(practitioner)
    assert 'href="/complaints/record/"' not in client.get("/complaints/").content.decode()


def test_a_complaint_put_on_the_clock_later_says_when_the_28_days_ran_from(
    client, setting, manager
):
    """A phone complaint followed by a letter: the record gives the day the 28 days ran from,
    so the inspector can see why its due date is not received + 28 days."""
    complaint = log_complaint(setting, manager, received_how="phone", received_on=days_ago(20))
    complaint_services.complaint_put_on_clock(
        complaint=complaint, actor=manager, clock_from=days_ago(15)
    )
    on_time = log_complaint(setting, manager, received_on=days_ago(5))
    client.force_login(manager)
    header, *rows = csv_table(client.get("/complaints/record.csv" + last_year(setting)))
    column = header.index("28 days counted from")
    assert header[column - 1] == "On the 28-day clock"
    by_reference = {row[0]: row for row in rows}
    assert by_reference[complaint.reference][column] == f"{days_ago(15):%d/%m/%Y}"
    assert by_reference[on_time.reference][column] == f"{days_ago(5):%d/%m/%Y}"
