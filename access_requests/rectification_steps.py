"""The rectification request page, step by step, in the shape of ``steps.py``.

``STEPS`` maps a step's name (the last part of its URL) to its form, service and words;
``current_step()`` says which step a request in a given state shows; ``side_steps()`` what
else may be done, behind a disclosure. The page builds the form of the one step it shows.

Each service is called as ``service(rectification=item, actor=user, **form_data)``; the clock
steps are the access requests' own services (they take ``request=``), adapted here. There is no
"stop the clock" step: a clarification pause applies to access requests only (UK GDPR
Art. 12A(3)-(5); DPA 2018 s.54(3C)); proof of identity (Art. 12A(2)) and the extension
(Art. 12(3)) apply to every request.
"""

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from access_requests import forms, services
from access_requests.models import (
    PENDING_RECTIFICATION_STATES,
    RectificationOutcome,
    RectificationRequest,
    RectificationState,
)
from access_requests.steps import ProgressStep, Step, progress_line
from children import sharing as sharing_log
from children.models import InformationSharing, SharedEntry
from setting_records.models import Setting

TEMPLATE = "access_requests/rectification_step_form.html"

# How to reach the ICO, told with every decision (UK GDPR Art. 77).
ICO_CONTACT = "https://ico.org.uk/make-a-complaint/ or 0303 123 1113"


def complaint_rights(setting: Setting, procedure: str | None = None) -> str:
    """What the parent is told with every decision on a correction request and with a refusal
    (UK GDPR Art. 12(4), 77, 79; DPA 2018 s.167; policy P10): the setting's own complaints
    procedure, in the words its manager keeps on the setting (or ``procedure``, the words as
    they were), the ICO, and that they may ask a court to enforce their rights. Keeping an
    entry as it is does not act on the request, as a refusal does not, so both name the court;
    a correction is told the same words, as it may not be the one they asked for."""
    words = (setting.complaints_procedure if procedure is None else procedure).strip()
    return (
        f"If they are unhappy with the decision they may use the complaints procedure of "
        f"{setting.name}: “{words}” They may also complain to the Information Commissioner's "
        f"Office (ICO): {ICO_CONTACT}. They may also ask a court to enforce their rights."
    )


def complaint_rights_told(item: RectificationRequest) -> str:
    """The rights as the request's page gives them. Once the parent has been told the decision
    or the refusal, what they were told: the setting's procedure as it read when that was
    recorded, from the setting's history (two queries); until then, what they will be told
    (none)."""
    setting = item.child.setting
    if not item.told_of_rights:
        return complaint_rights(setting)
    told_at = (
        item.history.filter(told_of_rights=True)
        .order_by("history_date", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    if told_at is None:
        return complaint_rights(setting)
    then = (
        setting.history.filter(history_date__lte=told_at)
        .order_by("-history_date", "-history_id")
        .values_list("complaints_procedure", flat=True)
        .first()
    )
    return complaint_rights(setting, then)


def _rights_kwargs(item: Any) -> dict[str, Any]:
    """The words told, shown beside the tick of the tell and refuse steps (policy P10)."""
    return {"rights": complaint_rights(item.child.setting)}


def _on_request(service: Callable[..., Any]) -> Callable[..., Any]:
    """A clock service (``request=``) as a rectification step (``rectification=``)."""

    def step(*, rectification: RectificationRequest, **kwargs: Any) -> Any:
        return service(request=rectification, **kwargs)

    return step


def _decision_kwargs(item: Any) -> dict[str, Any]:
    return {"rectification": item}


def _notice_kwargs(item: Any) -> dict[str, Any]:
    return {"recipients": outstanding_recipients(item)}


def outstanding_recipients(item: RectificationRequest):
    """Past recipients of the corrected entry not yet noted, as a queryset for the form: those
    the entry was shared with, and the written summaries that may have included it."""
    named = services.past_recipients(item.record).values("pk")
    summaries = sharing_log.summary_disclosures(item.record).values("pk")
    return (
        InformationSharing.objects.filter(Q(pk__in=named) | Q(pk__in=summaries))
        .exclude(rectification_notices__rectification=item)
        .annotate(names_entries=Exists(SharedEntry.objects.filter(sharing_id=OuterRef("pk"))))
        .order_by("decided_on", "pk")
    )


STEPS: dict[str, Step] = {
    "verify-identity": Step(
        forms.IdentityForm,
        _on_request(services.identity_verify),
        _("Identity verified."),
        _("Verify identity and parental responsibility"),
        _("Identity verified"),
        intro=_(
            "Check who is asking, and that they hold parental responsibility for the child or "
            "act for someone who does."
        ),
        template=TEMPLATE,
    ),
    "ask-identity": Step(
        forms.IdentityRequestForm,
        _on_request(services.identity_request),
        _("Proof of identity asked for: the month starts again when it arrives."),
        _("Ask for proof of identity"),
        _("Proof of identity asked for"),
        intro=_(
            "Only when you reasonably doubt who is asking. The month for the response starts "
            "again on the day the proof arrives (UK GDPR Art. 12A)."
        ),
        template=TEMPLATE,
    ),
    "extend": Step(
        forms.ExtensionForm,
        _on_request(services.extension_record),
        _("Deadline extended."),
        _("Extend the deadline"),
        _("Extend the deadline"),
        intro=_(
            "By up to two further months, for complex requests only, and the parent must be "
            "told why within the first month (UK GDPR Art. 12(3))."
        ),
        template=TEMPLATE,
    ),
    "decide": Step(
        forms.RectificationDecisionForm,
        services.rectification_decide,
        _("Decision recorded."),
        _("Decide"),
        _("Record the decision"),
        form_kwargs=_decision_kwargs,
        intro=_(
            "A factual inaccuracy is corrected: give the corrected wording (the old text stays "
            "in the entry's history) and every past recipient is then listed to be told. An "
            "opinion, professional judgement or a different view of events is kept as it is, "
            "with the parent's statement attached."
        ),
        # What the parent is told with the decision, the setting's own procedure included.
        partial="access_requests/includes/decide_note.html",
        template=TEMPLATE,
    ),
    "tell": Step(
        forms.TellForm,
        services.rectification_tell,
        _("The parent has been told: the request is closed."),
        _("Tell the parent"),
        _("The parent has been told"),
        form_kwargs=_rights_kwargs,
        intro=_(
            "Tell the parent the decision and the reasons, and their rights: the setting's "
            "complaints procedure, the ICO and the courts, in the words below. Telling the parent "
            "lifts the restriction on the entry: until then it stays marked disputed (UK GDPR "
            "Art. 18(3))."
        ),
        template=TEMPLATE,
    ),
    "notice": Step(
        forms.NoticeForm,
        services.notice_record,
        _("Recorded."),
        _("Tell a past recipient of the correction"),
        _("Record it"),
        form_kwargs=_notice_kwargs,
        intro=_(
            "Everyone the entry was shared with is told of the correction, unless that is "
            "impossible or would take disproportionate effort: then say why (UK GDPR Art. 19). "
            "For a disclosure recorded as a written summary only, check whether it included "
            "the entry; if it did not, record that instead."
        ),
        template=TEMPLATE,
    ),
    "withdraw": Step(
        forms.ReasonForm,
        services.rectification_withdraw,
        _("Request withdrawn."),
        _("Withdrawn by the parent"),
        _("Withdraw the request"),
        confirm=True,
        danger=True,
        intro=_("Record that the parent withdrew the request. This ends it."),
        template=TEMPLATE,
    ),
    "refuse": Step(
        forms.RectificationRefuseForm,
        services.rectification_refuse,
        _("Request refused."),
        _("Refuse"),
        _("Refuse the request"),
        confirm=True,
        danger=True,
        form_kwargs=_rights_kwargs,
        intro=_(
            "Refusing ends the request and lifts the restriction on the entry. Only when the "
            "person asking does not hold parental responsibility, their identity could not be "
            "confirmed, or the request is manifestly unfounded or excessive. The parent must be "
            "told why, and their rights: the setting's complaints procedure, the ICO and the "
            "courts, in the words given with the tick (UK GDPR Art. 12(4)-(5))."
        ),
        template=TEMPLATE,
    ),
}

PROGRESS = [
    (RectificationState.RECEIVED, _("Received")),
    (RectificationState.IDENTITY_VERIFIED, _("Identity")),
    (RectificationState.DECIDED, _("Decided")),
    (RectificationState.CLOSED, _("Parent told")),
]


ENDED_EARLY = {RectificationState.WITHDRAWN, RectificationState.REFUSED}


def progress(item: RectificationRequest) -> list[ProgressStep]:
    return progress_line(
        state=item.state,
        state_label=item.get_state_display(),
        stages=PROGRESS,
        ended_early=ENDED_EARLY,
    )


def current_step(item: RectificationRequest) -> str | None:
    match item.state:
        case RectificationState.RECEIVED:
            if services.requester_without_pr(item):
                # The register no longer gives them parental responsibility: answered with a
                # refusal and its notice (UK GDPR Art. 12(4)), unless the register is corrected.
                return "refuse"
            return "verify-identity"
        case RectificationState.IDENTITY_VERIFIED:
            return "decide"
        case RectificationState.DECIDED:
            return "tell"
    return None


def side_steps(item: RectificationRequest, current: str | None) -> list[str]:
    steps = []
    if item.outcome == RectificationOutcome.CORRECTED and outstanding_recipients(item).exists():
        steps.append("notice")
    if item.is_open:
        deadline = item.deadline()
        if (
            item.state == RectificationState.RECEIVED
            and item.identity_requested_on is None
            and not deadline.overdue
        ):
            steps.append("ask-identity")
        if not item.extension_months and not deadline.overdue:
            steps.append("extend")
    if item.state in PENDING_RECTIFICATION_STATES:
        steps += ["withdraw", "refuse"]
    return [step for step in steps if step != current]


def build_form(item: RectificationRequest, step: str, data=None, initial=None) -> django_forms.Form:
    spec = STEPS[step]
    kwargs = spec.form_kwargs(item)
    if data is None:
        kwargs.setdefault("initial", forms.today_initial() | (initial or {}))
    return spec.form_class(data, **kwargs)
