"""Demo information-sharing log for ``seed_demo`` (policy P5): disclosures of each kind the
log deals with, and a decision not to share, all through ``children.sharing``.

Run after ``children.demo.create_children``: it uses that demo's children, entries and staff.
"""

import datetime

from django.utils import timezone

from children.models import (
    Child,
    Consent,
    Framework,
    InformationSharing,
    LawfulBasis,
    SharingDecision,
    SharingMethod,
)
from children.sharing import sharing_record
from setting_records.demo import DemoStaff
from setting_records.models import User

MASH = "Calderdale Council Children's Services (MASH)"
SAFEGUARDING_CONDITION = (
    "Special category data: DPA 2018 Sch. 1 para 18 (safeguarding of children and of "
    "individuals at risk)"
)


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def create_sharing(*, staff: DemoStaff) -> list[InformationSharing]:
    setting, manager = staff.first_setting, staff.manager
    children = {child.first_name: child for child in Child.objects.filter(setting=setting)}
    sam = User.objects.get(username="sam")
    jo = User.objects.get(username="jo")

    def entries(child: str, *titles: str):
        return [children[child].records.get(title=title) for title in titles]

    made = []
    # A decision not to share: the DSL's judgement about Ruby's bruise (see her entries).
    made.append(
        sharing_record(
            child=children["Ruby"],
            actor=manager,
            decision=SharingDecision.NOT_SHARED,
            decided_on=_day(16),
            decided_by=manager,
            recipient_organisation=MASH,
            recipient_role="Duty social worker",
            summary="Whether to refer the bruise seen on Ruby's upper arm to children's social "
            "care.",
            entries=entries("Ruby", "Bruise seen on arrival"),
            purpose="Ruby's own account and her mother's fit the mark, and there have been no "
            "earlier concerns. The threshold for a referral is not met. To be looked at again "
            "if any further marks or worries are seen.",
            consent=Consent.NOT_SOUGHT,
            consent_reason="Nothing was shared, so no consent was needed. Gemma was told at "
            "collection that the mark had been recorded.",
            framework=Framework.REFERRAL,
        )
    )
    # A referral to children's social care without consent, and why.
    made.append(
        sharing_record(
            child=children["Oliver"],
            actor=manager,
            decision=SharingDecision.SHARED,
            decided_on=_day(8),
            decided_by=manager,
            recipient_organisation=MASH,
            recipient_name="Sarah Whitfield",
            recipient_role="Duty social worker",
            entries=entries(
                "Oliver", "Copy of prohibited steps order received", "Unsettled after the weekend"
            ),
            summary="Phoned through by the DSL and confirmed by the MASH referral form the "
            "same afternoon.",
            purpose="Oliver asked for his father and his mother said contact arrangements are "
            "changing, while a prohibited steps order stops his father collecting him. The DSL "
            "judged that children's social care needed to know in case the order is not being "
            "kept to.",
            lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
            lawful_basis_detail=SAFEGUARDING_CONDITION,
            consent=Consent.NOT_SOUGHT,
            consent_reason="Laura was told that the nursery would pass on its concern, but her "
            "consent was not sought: the concern is whether a court order protecting Oliver is "
            "kept to, and asking first could have delayed the referral and put him at risk of "
            "harm (HM Government, Information sharing advice, 2024).",
            framework=Framework.REFERRAL,
            method=SharingMethod.PHONE,
        )
    )
    # Early help with the parent's agreement, decided by the key person.
    made.append(
        sharing_record(
            child=children["Harry"],
            actor=sam,
            decision=SharingDecision.SHARED,
            decided_on=_day(20),
            decided_by=sam,
            recipient_organisation="Calderdale Early Help",
            recipient_name="Dawn Ellis",
            recipient_role="Family support worker",
            entries=entries("Harry", "Change at home"),
            summary="How Harry is at nursery: settled, independent and ready for school; the "
            "change in who brings him on Mondays and Tuesdays.",
            purpose="Team Around the Family meeting Kerry asked for, about funded hours and "
            "support with childcare while she works early shifts.",
            lawful_basis=LawfulBasis.CONSENT,
            lawful_basis_detail="Kerry's written consent to the early help assessment, signed "
            "at the meeting.",
            consent=Consent.GIVEN,
            framework=Framework.TEAM_AROUND_THE_FAMILY,
            method=SharingMethod.MEETING,
        )
    )
    # A health visitor, by secure email, at the mother's request.
    made.append(
        sharing_record(
            child=children["Alfie"],
            actor=jo,
            decision=SharingDecision.SHARED,
            decided_on=_day(5),
            decided_by=jo,
            recipient_organisation="Calderdale Health Visiting Team",
            recipient_name="Rachel Moore",
            recipient_role="Health visitor",
            entries=entries("Alfie", "First full morning", "A happy baby"),
            purpose="Jade asked the nursery to let the health visitor know how Alfie is "
            "settling, for his development review.",
            lawful_basis=LawfulBasis.LEGITIMATE_INTERESTS,
            consent=Consent.GIVEN,
            framework=Framework.OTHER,
            framework_detail="Health visitor's development review",
            method=SharingMethod.SECURE_EMAIL,
        )
    )
    return made
