"""Demo children, families and records for ``seed_demo``.

Everything in the hand-written demo goes through ``children.services``, so that history, the
access policy's rows and the checks the services make are exactly what real use would produce.
Dates are counted back from today so that ages and "days at nursery" stay sensible whenever the
demo is seeded.

The roles the rest of the project relies on:
- ``keyperson`` is key person of several children;
- ``practitioner`` is on several care teams, key person of none, holds no grant: sees those
  children and their general entries only;
- ``outsider`` is on the staff and involved in no child's care: sees nothing;
- ``othermanager`` runs the second setting and sees nothing of the first.
"""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from children import services
from children.models import (
    CareTeamMember,
    Child,
    ChildPerson,
    Family,
    Nature,
    Person,
    PREvidence,
    Record,
    RecordKind,
    Relationship,
    RestrictionType,
    Room,
    Sensitivity,
    Source,
)
from setting_records import access
from setting_records.demo import DemoStaff, staff_member_add
from setting_records.history import mark, save_as
from setting_records.models import User

COUNCIL = "Calderdale Council Children's Services"
BABIES, TODDLERS, PRE_SCHOOL = "Babies", "Toddlers", "Pre-school"


@dataclass(frozen=True)
class _Team:
    staff: DemoStaff
    sam: User
    jo: User
    rooms: dict[str, Room]

    def user(self, username: str) -> User:
        return {
            "manager": self.staff.manager,
            "keyperson": self.staff.keyperson,
            "practitioner": self.staff.practitioner,
            "sam": self.sam,
            "jo": self.jo,
        }[username]


@dataclass(frozen=True)
class _Adult:
    first_name: str
    last_name: str
    relationship: str
    # Evidence seen of parental responsibility; empty means the person holds none.
    pr_evidence: str = ""
    pr_evidence_note: str = ""
    restriction: str = ""
    # A court order's type and when it was made and ends, counted from today (``_day``).
    restriction_type: str = ""
    restriction_made_days_ago: int | None = None
    restriction_ends_in_days: int | None = None
    lives_with_child: bool = True
    in_household: bool = True
    organisation: str = ""
    phone: str = ""
    preferred_language: str = ""
    interpreter_needed: bool = False


@dataclass(frozen=True)
class _Entry:
    kind: str
    sensitivity: str
    nature: str
    title: str
    body: str
    days_ago: int
    hour: int = 10
    by_manager: bool = False
    # (name, role, organisation) of a third party the information came from.
    third_party: tuple[str, str, str] | None = None
    # Policy P6's two answers: did whoever shared it ask for confidence (``sharer``), and would
    # the person it is about expect it (``subject``)? None: not checked yet.
    sharer: bool | None = None
    subject: bool | None = None


@dataclass(frozen=True)
class _DemoChild:
    first_name: str
    last_name: str
    age_days: int
    started_days_ago: int
    room: str
    key_person: str
    care_team: tuple[str, ...]
    family: str
    adults: tuple[_Adult, ...]
    entries: tuple[_Entry, ...]
    known_as: str = ""
    left_days_ago: int | None = None
    family_notes: str = ""


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _moment(days_ago: int, hour: int = 10) -> datetime.datetime:
    # Never today: a morning time later than now would be refused as "not happened yet".
    days_ago = max(days_ago, 1)
    return timezone.make_aware(datetime.datetime.combine(_day(days_ago), datetime.time(hour)))


def _team(*, staff: DemoStaff, password: str) -> _Team:
    manager, setting = staff.manager, staff.first_setting
    rooms = {}
    # Saved directly, with the same reason as the service the rooms pages use
    # (children.rooms.room_create), which would also check the manager's rights.
    for name in (BABIES, TODDLERS, PRE_SCHOOL):
        room = Room(setting=setting, name=name)
        save_as(room, actor=manager, reason="Room added")
        rooms[name] = room
    sam = staff_member_add(
        username="sam",
        first_name="Sam",
        last_name="Taylor",
        password=password,
        setting=setting,
        actor=manager,
    )
    jo = staff_member_add(
        username="jo",
        first_name="Jo",
        last_name="Lewis",
        password=password,
        setting=setting,
        actor=manager,
    )
    return _Team(staff=staff, sam=sam, jo=jo, rooms=rooms)


# The hand-written demo. Names, phone numbers (Ofcom's drama range) and orders are invented.

_THOMPSON_PARENTS = (
    _Adult(
        "Sarah",
        "Thompson",
        Relationship.MOTHER,
        PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
        "Marriage certificate and birth certificate seen at registration.",
        phone="07700 900101",
    ),
    _Adult(
        "David",
        "Thompson",
        Relationship.FATHER,
        PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
        "Married to Sarah at the time of the birth; certificates seen at registration.",
        phone="07700 900102",
    ),
)

_CHILDREN = (
    _DemoChild(
        "Amelia",
        "Thompson",
        known_as="Millie",
        age_days=1215,
        started_days_ago=730,
        room=PRE_SCHOOL,
        key_person="keyperson",
        care_team=("keyperson", "practitioner"),
        family="The Thompson household",
        adults=_THOMPSON_PARENTS,
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Counting conkers on the autumn walk",
                "Millie collected conkers on the walk to the park and counted them into the "
                "basket: “one, two, three, four, five… seven!” She counted the first five "
                "accurately, touching each conker once, then guessed. EYFS: Mathematics.",
                days_ago=40,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Termly progress summary",
                "Millie is a confident talker who shares her ideas with friends at group time "
                "(Communication and Language). She recognises the “M” of her name on her peg "
                "(Literacy). She finds waiting for a turn hard when she is excited. "
                "Next step: small-group games with a sand timer to practise taking turns (PSED).",
                days_ago=25,
                hour=15,
            ),
            _Entry(
                RecordKind.INCIDENT,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Bump in the garden: mouth and front tooth",
                "At 10:20 Millie tripped on the edge of the sandpit and knocked her mouth on the "
                "wooden rim. Small cut inside her lower lip; the bleeding stopped within two "
                "minutes with a cold compress. Her upper front tooth is slightly wobbly. First aid "
                "given by Kirsty Patel (paediatric first aid). David told by phone at 10:35; he "
                "signed the accident form at collection and was advised to ask a dentist to look "
                "at the tooth.",
                days_ago=12,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Proud of her wobbly tooth",
                "Sarah said the dentist saw Millie on Tuesday and expects the tooth to firm up "
                "by itself. Millie was keen to show everyone “my wiggly tooth” and ate all her "
                "lunch. She seems happy and settled; no further worries from us.",
                days_ago=8,
                hour=14,
            ),
        ),
    ),
    _DemoChild(
        "Jack",
        "Thompson",
        age_days=300,
        started_days_ago=90,
        room=BABIES,
        key_person="jo",
        care_team=("jo", "keyperson"),
        family="The Thompson household",
        adults=_THOMPSON_PARENTS,
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Settling-in session 3",
                "Jack stayed for two hours without Sarah. He drank 150 ml of formula at 11:00 "
                "and slept for 40 minutes in the cot room. He cried for a few minutes when Sarah "
                "left and was comforted by Jo with his blue rabbit.",
                days_ago=85,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Settled in the Babies room",
                "After four weeks Jack is settled: he reaches for Jo when he arrives, babbles "
                "back during nappy changes and loves the treasure basket. He beams when his big "
                "sister Millie waves through the window at lunchtime.",
                days_ago=60,
                hour=16,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Pulling to stand",
                "Jack pulls himself up on the low shelf and cruises a few steps along it. "
                "EYFS: Physical Development. Next step: push-along toys in the garden to build "
                "his confidence in taking steps.",
                days_ago=20,
            ),
        ),
    ),
    _DemoChild(
        "Oliver",
        "Bennett",
        age_days=950,
        started_days_ago=400,
        room=TODDLERS,
        key_person="jo",
        care_team=("jo", "practitioner"),
        family="The Bennett household",
        family_notes="Oliver lives with his mother. Only Laura or her sister Claire may collect.",
        adults=(
            _Adult(
                "Laura",
                "Bennett",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate seen at registration.",
                phone="07700 900111",
            ),
            _Adult(
                "Mark",
                "Bennett",
                Relationship.FATHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Named on Oliver's birth certificate (registered jointly), seen at registration.",
                restriction_type=RestrictionType.PROHIBITED_STEPS,
                restriction_made_days_ago=150,
                restriction_ends_in_days=580,
                restriction=(
                    "Prohibited steps order made by the Family Court: Mark Bennett must not "
                    "remove Oliver from the care of his mother, and must not collect him from "
                    "nursery. Copy of the order kept in the office safe. If he arrives to collect "
                    "Oliver, do not release him: keep Oliver in the room and call the manager "
                    "and Laura."
                ),
                lives_with_child=False,
                in_household=False,
            ),
        ),
        entries=(
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Progress check at age two",
                "Communication and Language: uses two- and three-word phrases (“more juice "
                "please”). Physical Development: runs, and climbs the low frame confidently. "
                "PSED: plays alongside others and is beginning to share. No concerns. Shared with "
                "Laura; a copy goes to the health visitor's two-year review with her agreement.",
                days_ago=150,
                hour=15,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Building a tower with the big blocks",
                "Oliver built a tower of six large blocks, knocked it down and shouted “again!”. "
                "He rebuilt it with the biggest blocks at the bottom. EYFS: Physical Development, "
                "Mathematics (size).",
                days_ago=45,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Copy of prohibited steps order received",
                "Laura brought a copy of the prohibited steps order made by the Family Court and "
                "went through it with me in the office; the copy is filed in the safe. The "
                "collection password has been changed: only Laura and her sister Claire Bennett "
                "may collect. All Toddler room staff have been told that Oliver must not be "
                "released to his father; the terms of the order are shared only with Oliver's "
                "key person.",
                days_ago=30,
                hour=17,
                by_manager=True,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.SENSITIVE,
                Nature.OPINION,
                "Unsettled after the weekend",
                "Oliver was tearful at drop-off on Monday and again after lunch, asking for "
                "“Daddy”. He was comforted with a story and then joined the water play. Laura "
                "said contact arrangements are changing. In my view the change is unsettling "
                "him; I will keep a close eye on him this week and talk with Laura at pick-up.",
                days_ago=9,
                hour=14,
            ),
        ),
    ),
    _DemoChild(
        "Leo",
        "Walsh",
        age_days=1130,
        started_days_ago=300,
        room=PRE_SCHOOL,
        key_person="keyperson",
        care_team=("keyperson", "sam"),
        family="Greenwood foster family",
        family_notes=(
            "Leo is in foster care with Janet and Phil Greenwood. His grandmother Pauline Walsh "
            "collects him on Thursdays, as agreed with the social worker."
        ),
        adults=(
            _Adult(
                "Janet",
                "Greenwood",
                Relationship.FOSTER_CARER,
                phone="07700 900121",
            ),
            _Adult("Phil", "Greenwood", Relationship.FOSTER_CARER, phone="07700 900122"),
            _Adult(
                "Hannah",
                "Brooks",
                Relationship.LOCAL_AUTHORITY,
                PREvidence.CARE_ORDER,
                "Care order (section 31, Children Act 1989) seen; the local authority shares "
                "parental responsibility with Leo's mother.",
                lives_with_child=False,
                in_household=False,
                organisation=COUNCIL,
                phone="01632 960500",
            ),
            _Adult(
                "Chelsea",
                "Walsh",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate copy provided by the social worker.",
                lives_with_child=False,
                in_household=False,
            ),
            _Adult(
                "Pauline",
                "Walsh",
                Relationship.GRANDPARENT,
                lives_with_child=False,
                in_household=False,
                phone="07700 900123",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Placement meeting with Leo's social worker",
                "Met Hannah Brooks (social worker) and Janet Greenwood on Leo's first morning. Leo "
                "is subject to a care order: the local authority shares parental responsibility "
                "with his mother, Chelsea Walsh. Contact with Chelsea is supervised and never "
                "takes place at nursery. Nothing about Leo's placement is to be shared with "
                "anyone not named in his register.",
                days_ago=300,
                hour=13,
                by_manager=True,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Collection arrangements agreed",
                "Agreed with Hannah Brooks and the Greenwoods: Leo is collected by Janet or Phil "
                "Greenwood, and on Thursdays by his grandmother, Pauline Walsh, whom the local "
                "authority has approved. Pauline does not hold parental responsibility: she may "
                "collect Leo and hear how his day went, but must not be given his records or any "
                "information about his placement.",
                days_ago=200,
                hour=16,
                by_manager=True,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Settling well",
                "Leo arrives smiling with Janet and goes straight to the train track. He has "
                "made a friend in Noah and they play chase in the garden. He still needs "
                "reassurance at nap time and likes his blanket tucked around him.",
                days_ago=120,
                hour=15,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Mixing colours at the easel",
                "Leo mixed blue and yellow and said “it's going green!”. He painted a “big "
                "green dinosaur” and asked for it to go on the wall. EYFS: Expressive Arts and "
                "Design, Communication and Language.",
                days_ago=35,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Update from Leo's social worker",
                "Hannah Brooks phoned to say the review of Leo's care plan has been brought "
                "forward. She asked that the date and the content of the plan are not discussed "
                "with Leo's birth family while the assessment is under way.",
                days_ago=6,
                hour=12,
                by_manager=True,
                third_party=("Hannah Brooks", "Social worker", COUNCIL),
                sharer=True,
                subject=False,
            ),
        ),
    ),
    _DemoChild(
        "Isla",
        "Docherty",
        age_days=800,
        started_days_ago=200,
        room=TODDLERS,
        key_person="sam",
        care_team=("sam", "keyperson"),
        family="Fiona Docherty's household",
        adults=(
            _Adult(
                "Fiona",
                "Docherty",
                Relationship.SPECIAL_GUARDIAN,
                PREvidence.SPECIAL_GUARDIANSHIP_ORDER,
                "Special guardianship order seen; Fiona is Isla's paternal aunt.",
                phone="07700 900131",
            ),
            _Adult(
                "Ryan",
                "Docherty",
                Relationship.FATHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Named on the birth certificate; copy provided by Fiona.",
                lives_with_child=False,
                in_household=False,
            ),
        ),
        entries=(
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Special guardianship order",
                "Fiona showed me the special guardianship order. As special guardian she holds "
                "parental responsibility and may exercise it to the exclusion of Isla's father, "
                "Ryan, who also keeps parental responsibility. Fiona asked that any request from "
                "Ryan for information comes to the manager first.",
                days_ago=200,
                hour=11,
                by_manager=True,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Sharing a favourite story",
                "Isla brought “Dear Zoo” to Sam and lifted every flap, naming “lion”, "
                "“monkey” and “snake”. She asked for it twice more. EYFS: Communication and "
                "Language, Literacy.",
                days_ago=50,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Progress check at age two",
                "Isla is developing well in the prime areas. She uses around fifty words and is "
                "beginning to join two together; she feeds herself with a spoon and is starting "
                "to show an interest in the potty. Shared with Fiona, who will take it to the "
                "health visitor's review.",
                days_ago=20,
                hour=15,
            ),
        ),
    ),
    _DemoChild(
        "Ruby",
        "Clarke",
        age_days=1310,
        started_days_ago=600,
        room=PRE_SCHOOL,
        key_person="keyperson",
        care_team=("keyperson", "practitioner"),
        family="Gemma Clarke and Daniel Shaw",
        adults=(
            _Adult(
                "Gemma",
                "Clarke",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate seen at registration.",
                phone="07700 900141",
            ),
            _Adult(
                "Daniel",
                "Shaw",
                Relationship.STEP_PARENT,
                phone="07700 900142",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Ruby's rocket",
                "Ruby made a rocket from a kitchen roll tube and a yoghurt pot. She chose the "
                "tape herself and explained: “it goes to the moon and back for tea”. EYFS: "
                "Expressive Arts and Design, Physical Development (fine motor).",
                days_ago=70,
            ),
            _Entry(
                RecordKind.CONCERN,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Bruise seen on arrival",
                "At 08:45, while Ruby took off her coat, I saw a bruise on the outside of her "
                "upper left arm, about 3 cm across and bluish-purple. I did not examine her "
                "further or ask her questions about it. When I said “Oh, you've got a mark "
                "there”, Ruby said: “I banged it on the bath.” Gemma, who was dropping her off, "
                "said Ruby slipped getting out of the bath on Sunday evening. Marked on a body "
                "map. Passed to Margaret Okafor (designated safeguarding lead) at 09:05.",
                days_ago=16,
                hour=9,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.OPINION,
                "Safeguarding lead's decision about the bruise",
                "I read Kirsty's record and the body map and spoke with Gemma at collection. The "
                "explanation fits the mark and what Ruby said herself, and there have been no "
                "earlier concerns. My judgement is that no referral is needed. To be looked at "
                "again if any further marks or worries are seen. Margaret Okafor, DSL.",
                days_ago=16,
                hour=17,
                by_manager=True,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Getting ready for school",
                "Ruby puts on her own coat and shoes, recognises her name and counts objects to "
                "ten. She is sometimes shy in large groups. Next steps: visits to the school "
                "hall, and a photo book of her new classroom to share with Gemma and Daniel.",
                days_ago=5,
                hour=15,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Transition call from Ruby's new school",
                "Mrs Price, Ruby's reception teacher, phoned to arrange a visit to the nursery "
                "in the summer term and asked what helps Ruby settle. I said a photo book of the "
                "classroom and meeting her teacher in the Pre-school room first.",
                days_ago=3,
                hour=13,
                third_party=("Helen Price", "Reception teacher", "Northgate Primary School"),
            ),
        ),
    ),
    _DemoChild(
        "Noah",
        "Campbell",
        age_days=1400,
        started_days_ago=800,
        room=PRE_SCHOOL,
        key_person="jo",
        care_team=("jo", "keyperson"),
        family="The Campbell family",
        adults=(
            _Adult(
                "Andrew",
                "Campbell",
                Relationship.ADOPTIVE_PARENT,
                PREvidence.ADOPTION_ORDER,
                "Adoption order seen.",
                phone="07700 900151",
            ),
            _Adult(
                "James",
                "Campbell",
                Relationship.ADOPTIVE_PARENT,
                PREvidence.ADOPTION_ORDER,
                "Adoption order seen.",
                phone="07700 900152",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Noah's life story",
                "Andrew and James told us Noah was placed with them at 14 months and that the "
                "adoption order has been made. They are sharing Noah's life story with him "
                "through a book at home. If Noah talks about his birth family, staff listen, "
                "answer simply and let Andrew or James know the same day. No information about "
                "his birth family is held here and none is to be sought.",
                days_ago=790,
                hour=13,
                by_manager=True,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Measuring the beanstalk",
                "Noah measured our bean plant with cubes: “it's nine cubes, it was six!”. He "
                "drew the plant and wrote an N. EYFS: Understanding the World, Mathematics.",
                days_ago=60,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Summer term summary",
                "Noah is curious and persistent, and asks “why?” about everything. He plays "
                "cooperatively with Leo and Ruby. He is starting to write some letters of his "
                "name. Next step: more mark-making outdoors, which he enjoys.",
                days_ago=30,
                hour=15,
            ),
        ),
    ),
    _DemoChild(
        "Zofia",
        "Nowak",
        age_days=460,
        started_days_ago=120,
        room=BABIES,
        key_person="sam",
        care_team=("sam",),
        family="The Nowak family",
        adults=(
            _Adult(
                "Agnieszka",
                "Nowak",
                Relationship.MOTHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Polish marriage certificate with certified translation, and birth certificate.",
                phone="07700 900161",
                preferred_language="Polish",
                interpreter_needed=True,
            ),
            _Adult(
                "Tomasz",
                "Nowak",
                Relationship.FATHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Polish marriage certificate with certified translation, and birth certificate.",
                phone="07700 900162",
                preferred_language="Polish",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Settling-in meeting with an interpreter",
                "Met Agnieszka with a Polish interpreter by telephone. Zofia naps from 12:00 to "
                "13:30, drinks from a free-flow cup and does not eat pork. The family speak "
                "Polish at home and would like nursery to speak English with Zofia. Written "
                "information is to be given in Polish where we can.",
                days_ago=120,
                hour=11,
                by_manager=True,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "First steps",
                "Zofia took four steps from the sofa to Sam, laughing, then sat down and "
                "clapped. EYFS: Physical Development. Told Tomasz at collection.",
                days_ago=40,
                hour=14,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Two languages",
                "Zofia turns when she hears “mleko” or “milk” and waves “bye-bye”. She is "
                "relaxed in the room and happy to be cuddled by any of the Babies staff.",
                days_ago=10,
                hour=15,
            ),
        ),
    ),
    _DemoChild(
        "Ayaan",
        "Hussain",
        age_days=340,
        started_days_ago=60,
        room=BABIES,
        key_person="keyperson",
        care_team=("keyperson", "jo"),
        family="The Hussain family",
        adults=(
            _Adult(
                "Samina",
                "Hussain",
                Relationship.MOTHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Marriage and birth certificates seen at registration.",
                phone="07700 900171",
                preferred_language="Urdu",
                interpreter_needed=True,
            ),
            _Adult(
                "Imran",
                "Hussain",
                Relationship.FATHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Marriage and birth certificates seen at registration.",
                phone="07700 900172",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.GENERAL,
                Nature.FACT,
                "“All about me” with an Urdu interpreter",
                "Went through Ayaan's “All about me” with Samina and an Urdu interpreter. He has "
                "a halal diet, is being weaned onto finger foods and is comforted by being "
                "rocked. Samina would like to be told about his day in person where possible.",
                days_ago=60,
                hour=11,
                by_manager=True,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Exploring the sensory tray",
                "Ayaan spent ten minutes exploring cooked spaghetti, squeezing it and lifting it "
                "to his mouth. He laughed when it dangled from his fingers. EYFS: Physical "
                "Development.",
                days_ago=25,
            ),
            _Entry(
                RecordKind.INCIDENT,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Scratch on his cheek",
                "At 14:10 another baby reached out and scratched Ayaan's left cheek. A small red "
                "mark, no broken skin. Cleaned and comforted; he settled quickly. Imran was told "
                "at collection and signed the accident form.",
                days_ago=7,
                hour=14,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Hearing check results",
                "Imran passed on the audiology clinic's letter: Ayaan's hearing is within the "
                "normal range in both ears and no follow-up is needed. The audiologist said the "
                "letter may be kept in the nursery file.",
                days_ago=4,
                hour=11,
                third_party=("Anna Patel", "Audiologist", "Calderdale Royal Hospital"),
                sharer=False,
            ),
        ),
    ),
    _DemoChild(
        "Evie",
        "Robinson",
        age_days=1040,
        started_days_ago=500,
        room=TODDLERS,
        key_person="keyperson",
        care_team=("keyperson", "practitioner"),
        family="Chloe Robinson and Liam Turner",
        adults=(
            _Adult(
                "Chloe",
                "Robinson",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate seen at registration.",
                phone="07700 900181",
            ),
            _Adult(
                "Liam",
                "Turner",
                Relationship.FATHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Named on Evie's birth certificate (registered jointly), seen at registration.",
                phone="07700 900182",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Progress check at age two: talking",
                "Evie understands simple instructions well but uses about twenty single words, "
                "fewer than we would expect at her age. With Chloe and Liam's agreement, the "
                "health visitor has been asked to refer her to speech and language therapy.",
                days_ago=200,
                hour=15,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Speech and language therapy assessment",
                "Summary of the therapist's report, shared by Chloe for the nursery file: Evie's "
                "understanding of language is in line with her age; her spoken language is "
                "delayed. Recommendations for nursery: add one word to what Evie says (“car” — "
                "“big car”), ask fewer questions and comment more, and use Makaton signs for "
                "“more” and “finished”. Review in twelve weeks.",
                days_ago=120,
                hour=12,
                by_manager=True,
                third_party=(
                    "Ben Carter",
                    "Speech and language therapist",
                    "Children's Speech and Language Therapy, Calderdale",
                ),
                sharer=False,
                subject=False,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.OPINION,
                "SEN support plan meeting",
                "Met Chloe and Liam with Kirsty. Agreed an SEN support plan following the "
                "therapist's recommendations, to be reviewed each half term. Chloe is anxious "
                "because Liam's father had a severe stammer; reassured her that Evie's difficulty "
                "is different. Sam Taylor (SENCo) will support the plan and is to be given access "
                "to Evie's records.",
                days_ago=100,
                hour=17,
                by_manager=True,
            ),
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Signing “more”",
                "At snack time Evie signed “more” and said “more nana” for more banana. First "
                "two-word phrase we have heard from her. EYFS: Communication and Language.",
                days_ago=14,
            ),
        ),
    ),
    _DemoChild(
        "Harry",
        "Jones",
        age_days=1250,
        started_days_ago=900,
        room=PRE_SCHOOL,
        key_person="sam",
        care_team=("sam", "practitioner"),
        family="The Jones household",
        adults=(
            _Adult(
                "Kerry",
                "Jones",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate seen at registration; father not named.",
                phone="07700 900191",
            ),
            _Adult(
                "Brian",
                "Jones",
                Relationship.GRANDPARENT,
                lives_with_child=False,
                in_household=False,
                phone="07700 900192",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "H for Harry",
                "Harry wrote a recognisable H in the sand tray and said “that's mine, H for "
                "Harry”. EYFS: Literacy, Physical Development (fine motor).",
                days_ago=80,
            ),
            _Entry(
                RecordKind.INCIDENT,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Bumped his forehead at the bottom of the slide",
                "At 11:05 Harry collided with another child at the bottom of the slide and "
                "bumped his forehead. Small raised bump above his right eyebrow. Cold compress; "
                "watched for signs of head injury for the rest of the session and none were "
                "seen. Kerry told by phone at 11:15; head injury advice sheet given to his "
                "grandad at collection.",
                days_ago=33,
                hour=11,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Change at home",
                "Kerry told me she has started a job with early shifts, so Grandad Brian will "
                "bring Harry on Mondays and Tuesdays. She said money is tight at the moment and "
                "asked about funded hours; I passed this on to Margaret with her agreement.",
                days_ago=21,
                hour=16,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Ready for school",
                "Harry is independent in the toilet, dresses himself and listens well at group "
                "time. He is confident with numbers to ten. Next step: practise sitting for a "
                "longer story, ready for school in September.",
                days_ago=4,
                hour=15,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Call from Kerry's support worker",
                "Kerry's support worker phoned, with Kerry's agreement, to say that Kerry and "
                "Harry have moved to a new flat nearer the nursery and that the support plan "
                "continues. She was content for the nursery to know; the new address is Kerry's "
                "own information and is kept on the secure register only.",
                days_ago=4,
                hour=16,
                by_manager=True,
                third_party=("Mel Hart", "Support worker", "Calderdale Domestic Abuse Service"),
                sharer=False,
                subject=True,
            ),
        ),
    ),
    _DemoChild(
        "Freddie",
        "Wilson",
        age_days=1430,
        started_days_ago=1000,
        left_days_ago=60,
        room=PRE_SCHOOL,
        key_person="jo",
        care_team=("jo",),
        family="The Wilson family",
        adults=(
            _Adult(
                "Emma",
                "Wilson",
                Relationship.MOTHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Marriage and birth certificates seen at registration.",
            ),
            _Adult(
                "Tom",
                "Wilson",
                Relationship.FATHER,
                PREvidence.MARRIAGE_OR_CIVIL_PARTNERSHIP,
                "Marriage and birth certificates seen at registration.",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Planting sunflowers",
                "Freddie filled three pots with compost, pushed a seed into each and watered "
                "them. He said they would grow “taller than Daddy”. EYFS: Understanding the "
                "World.",
                days_ago=120,
            ),
            _Entry(
                RecordKind.MEETING_NOTE,
                Sensitivity.GENERAL,
                Nature.FACT,
                "Leaving: moving to Manchester",
                "Emma and Tom told us the family are moving to Manchester next month. With their "
                "consent, Freddie's transition summary will be sent to his new nursery. His "
                "records here are kept in line with our retention policy.",
                days_ago=90,
                hour=17,
                by_manager=True,
            ),
            _Entry(
                RecordKind.PROGRESS,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "Transition summary",
                "Freddie is a kind, chatty boy who loves being outdoors. He is confident in all "
                "the prime areas and is beginning to recognise some letters. He finds loud, busy "
                "rooms tiring and does best with a quiet corner to retreat to.",
                days_ago=65,
                hour=15,
            ),
        ),
    ),
    _DemoChild(
        "Alfie",
        "Smith",
        age_days=215,
        started_days_ago=30,
        room=BABIES,
        key_person="jo",
        care_team=("jo",),
        family="The Smith household",
        adults=(
            _Adult(
                "Jade",
                "Smith",
                Relationship.MOTHER,
                PREvidence.BIRTH_CERTIFICATE,
                "Birth certificate seen at registration.",
                phone="07700 900201",
            ),
        ),
        entries=(
            _Entry(
                RecordKind.OBSERVATION,
                Sensitivity.GENERAL,
                Nature.FACT,
                "First full morning",
                "Alfie stayed for his first full morning. He took 120 ml of milk at 10:00, slept "
                "for an hour in the pram outside and enjoyed tummy time on the mat.",
                days_ago=28,
                hour=12,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.SENSITIVE,
                Nature.FACT,
                "Information from the health visitor",
                "Rachel Moore, health visitor, phoned with Jade's consent. She is supporting "
                "Jade with low mood since Alfie's birth and has referred her to the perinatal "
                "mental health team. She shared this in confidence so that staff can be "
                "supportive at drop-off; it is not to be discussed with Alfie's wider family.",
                days_ago=18,
                hour=13,
                by_manager=True,
                third_party=("Rachel Moore", "Health visitor", "Calderdale Health Visiting Team"),
                sharer=True,
                subject=True,
            ),
            _Entry(
                RecordKind.WELLBEING,
                Sensitivity.GENERAL,
                Nature.OPINION,
                "A happy baby",
                "Alfie smiles and coos at the staff and is settling to sleep more easily. He is "
                "starting to reach for the rattle and bring it to his mouth.",
                days_ago=6,
                hour=15,
            ),
        ),
    ),
)


def _add_child(spec: _DemoChild, *, team: _Team, families: dict, people: dict) -> Child:
    staff = team.staff
    manager, setting = staff.manager, staff.first_setting
    if spec.family not in families:
        families[spec.family] = services.family_create(
            setting=setting, name=spec.family, notes=spec.family_notes, actor=manager
        )
    family = families[spec.family]
    started_on = _day(spec.started_days_ago)
    child = services.child_create(
        setting=setting,
        actor=manager,
        key_person=team.user(spec.key_person),
        care_team=[team.user(name) for name in spec.care_team],
        family=family,
        first_name=spec.first_name,
        last_name=spec.last_name,
        known_as=spec.known_as,
        date_of_birth=_day(spec.age_days),
        room=team.rooms[spec.room],
        started_on=started_on,
        left_on=_day(spec.left_days_ago) if spec.left_days_ago is not None else None,
    )
    for adult in spec.adults:
        # Brothers and sisters share their parents' entries in the register.
        key = (adult.first_name, adult.last_name, adult.relationship)
        person = people.get(key) or Person(
            family=family if adult.in_household else None,
            first_name=adult.first_name,
            last_name=adult.last_name,
            organisation=adult.organisation,
            phone=adult.phone,
            preferred_language=adult.preferred_language,
            interpreter_needed=adult.interpreter_needed,
        )
        services.connection_add(
            child=child,
            person=person,
            relationship=adult.relationship,
            actor=manager,
            has_parental_responsibility=bool(adult.pr_evidence),
            pr_evidence=adult.pr_evidence,
            pr_evidence_note=adult.pr_evidence_note,
            restriction=adult.restriction,
            restriction_type=adult.restriction_type,
            restriction_starts_on=(
                _day(adult.restriction_made_days_ago)
                if adult.restriction_made_days_ago is not None
                else None
            ),
            restriction_ends_on=(
                _day(-adult.restriction_ends_in_days)
                if adult.restriction_ends_in_days is not None
                else None
            ),
            lives_with_child=adult.lives_with_child,
        )
        people[key] = person
    key_person = team.user(spec.key_person)
    for entry in spec.entries:
        name, role, organisation = entry.third_party or ("", "", "")
        services.record_create(
            child=child,
            actor=manager if entry.by_manager else key_person,
            sharer_confidential=entry.sharer,
            subject_confidential=entry.subject,
            kind=entry.kind,
            sensitivity=entry.sensitivity,
            nature=entry.nature,
            title=entry.title,
            body=entry.body,
            occurred_at=_moment(entry.days_ago, entry.hour),
            source=Source.THIRD_PARTY if entry.third_party else Source.SETTING,
            third_party_name=name,
            third_party_organisation=organisation,
            third_party_role=role,
        )
    return child


def _add_grants(*, team: _Team, children: dict[str, Child]) -> None:
    manager, today = team.staff.manager, timezone.localdate()
    services.grant_give(
        child=children["Evie"],
        grantee=team.sam,
        reason="SENCo: supporting Evie's SEN support plan and the therapist's recommendations.",
        expires_on=today + datetime.timedelta(days=120),
        actor=manager,
    )
    services.grant_give(
        child=children["Leo"],
        record=children["Leo"].records.get(title="Collection arrangements agreed"),
        grantee=team.jo,
        reason="Jo covers the Pre-school room on Thursday afternoons, when Leo's grandmother "
        "collects him.",
        expires_on=today + datetime.timedelta(days=90),
        actor=manager,
    )
    expired = services.grant_give(
        child=children["Noah"],
        grantee=team.staff.keyperson,
        reason="Covering as Noah's key person while Jo was on annual leave.",
        expires_on=today,
        actor=manager,
    )
    # The service refuses a past expiry, rightly; a grant that has run out is dated back instead.
    expired.granted_at = timezone.now() - datetime.timedelta(days=28)
    expired.expires_on = today - datetime.timedelta(days=14)
    save_as(
        expired,
        actor=manager,
        reason="Demo data: dated in the past so that it has expired",
        update_fields=["granted_at", "expires_on"],
    )
    revoked = services.grant_give(
        child=children["Harry"],
        grantee=team.staff.keyperson,
        reason="Covering as Harry's key person while Sam is on a training course.",
        expires_on=today + datetime.timedelta(days=14),
        actor=manager,
    )
    services.grant_revoke(
        grant=revoked, actor=manager, reason="Sam came back from the course early."
    )


def _second_setting(*, staff: DemoStaff, password: str) -> None:
    """One child at the other nursery, so that anything leaking across settings shows."""
    setting, manager = staff.second_setting, staff.othermanager
    otherkeyperson = staff_member_add(
        username="otherkeyperson",
        first_name="Rhys",
        last_name="Morgan",
        password=password,
        setting=setting,
        actor=manager,
    )
    family = services.family_create(setting=setting, name="The Ward household", actor=manager)
    child = services.child_create(
        setting=setting,
        actor=manager,
        key_person=otherkeyperson,
        care_team=[otherkeyperson],
        family=family,
        first_name="Poppy",
        last_name="Ward",
        date_of_birth=_day(1000),
        started_on=_day(250),
    )
    services.connection_add(
        child=child,
        person=Person(family=family, first_name="Leanne", last_name="Ward", phone="07700 900301"),
        relationship=Relationship.MOTHER,
        actor=manager,
        has_parental_responsibility=True,
        pr_evidence=PREvidence.BIRTH_CERTIFICATE,
        pr_evidence_note="Birth certificate seen at registration.",
        lives_with_child=True,
    )
    for author, sensitivity, nature, title, body, days_ago in [
        (
            otherkeyperson,
            Sensitivity.GENERAL,
            Nature.FACT,
            "Den building",
            "Poppy and two friends built a den from crates and a sheet, and took turns to be "
            "“the baby bear”. EYFS: PSED, Expressive Arts and Design.",
            15,
        ),
        (
            manager,
            Sensitivity.SENSITIVE,
            Nature.FACT,
            "Early help assessment",
            "Leanne agreed to an early help assessment after telling us about problems with "
            "their housing. Referral sent to the early help hub with her consent.",
            9,
        ),
    ]:
        services.record_create(
            child=child,
            actor=author,
            kind=RecordKind.OBSERVATION
            if sensitivity == Sensitivity.GENERAL
            else RecordKind.CONCERN,
            sensitivity=sensitivity,
            nature=nature,
            title=title,
            body=body,
            occurred_at=_moment(days_ago),
            source=Source.SETTING,
            third_party_name="",
            third_party_organisation="",
            third_party_role="",
        )


def create_children(*, staff: DemoStaff, password: str) -> None:
    """The hand-written demo: a dozen children at the first setting, with families and records."""
    team = _team(staff=staff, password=password)
    families: dict[str, Family] = {}
    people: dict[tuple[str, str, str], Person] = {}
    children = {
        spec.first_name: _add_child(spec, team=team, families=families, people=people)
        for spec in _CHILDREN
    }
    _add_grants(team=team, children=children)
    _second_setting(staff=staff, password=password)


# Generated data for benchmarks: many children, many records, written in bulk.

_FIRST_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Freya",
    "Florence",
    "Willow",
    "Aisha",
    "Zara",
    "Maja",
    "Hana",
    "Nia",
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Leo",
    "Muhammad",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theo",
    "Jacob",
    "Finley",
    "Kai",
    "Ibrahim",
]
_LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Hussain",
    "Kowalski",
    "Murphy",
    "Begum",
    "Ali",
]
_PARENT_NAMES = [
    "Sarah",
    "Laura",
    "Gemma",
    "Chloe",
    "Samina",
    "Agnieszka",
    "Kerry",
    "David",
    "Mark",
    "Liam",
    "Imran",
    "Tom",
]
_GENERAL = (
    (
        RecordKind.OBSERVATION,
        Nature.FACT,
        "Outdoor play",
        "{name} climbed the low frame and slid down on their tummy, laughing. "
        "EYFS: Physical Development.",
    ),
    (
        RecordKind.OBSERVATION,
        Nature.FACT,
        "Story time",
        "{name} joined in with the repeated lines of “We're Going on a Bear Hunt” and acted "
        "out squelching through the mud. EYFS: Communication and Language, Literacy.",
    ),
    (
        RecordKind.OBSERVATION,
        Nature.FACT,
        "Counting at snack time",
        "{name} counted out cups for the table and noticed one was missing. EYFS: Mathematics.",
    ),
    (
        RecordKind.PROGRESS,
        Nature.OPINION,
        "Progress summary",
        "{name} is making good progress in the prime areas. Next step: more opportunities for "
        "mark-making outdoors.",
    ),
    (
        RecordKind.WELLBEING,
        Nature.OPINION,
        "Settled and happy",
        "{name} came in happily today and played with friends in the home corner all morning.",
    ),
    (
        RecordKind.INCIDENT,
        Nature.FACT,
        "Bump in the garden",
        "{name} tripped on the path and grazed a knee. Cleaned, plaster applied, parent "
        "informed at collection and the accident form signed.",
    ),
)
_SENSITIVE = (
    (
        RecordKind.CONCERN,
        Nature.FACT,
        "Concern passed to the DSL",
        "{name} said something at lunchtime that worried me. I wrote down the exact words, "
        "asked no questions and passed it to the designated safeguarding lead straight away.",
    ),
    (
        RecordKind.MEETING_NOTE,
        Nature.FACT,
        "Meeting with parents",
        "Met {name}'s parents about changes at home. Agreed to share how {name} is each day "
        "at collection.",
    ),
    (
        RecordKind.WELLBEING,
        Nature.OPINION,
        "Unsettled this week",
        "{name} has been tearful at drop-off. In my view this is linked to changes at home; "
        "I will keep a close eye and talk with the family.",
    ),
)


def record_counts(children: int, records_per_child: int, *, vary: bool = False) -> list[int]:
    """How many entries each of ``children`` generated children gets: ``records_per_child``
    each, or with ``vary`` a spread from about half as many to one and a half times as many
    (as real children differ), ``records_per_child`` on average and in total exactly
    ``children * records_per_child``. The spread is in pairs (the i-th child from each end), so
    each pair adds up to twice the average; a middle child, when there is one, has the average.
    """
    if not vary or children < 2:
        return [records_per_child] * children
    half = records_per_child // 2
    counts = [records_per_child] * children
    for i in range(children // 2):
        fewer = records_per_child - half + (2 * half * i) // (children - 1)
        counts[i], counts[children - 1 - i] = fewer, 2 * records_per_child - fewer
    return counts


def create_many_children(
    *,
    staff: DemoStaff,
    password: str,
    children: int,
    records_per_child: int,
    vary: bool = False,
    seed: int = 2026,
) -> None:
    """``children`` generated children with ``records_per_child`` entries each, for benchmarks
    (with ``vary``, counts that differ from child to child: ``record_counts``).

    Children, families, care teams and records are written with ``bulk_create_with_history``
    (one history row each, with its author as the history user); the access policy's rows go
    through ``access.sync_child_permissions``, the same path the services take.
    """
    team = _team(staff=staff, password=password)
    manager, setting = staff.manager, staff.first_setting
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    key_people = [staff.keyperson, team.sam, team.jo]
    now, today = timezone.now(), timezone.localdate()

    new_children = []
    for number in range(children):
        age_days = rng.randint(120, 4 * 365 - 10)
        date_of_birth = today - datetime.timedelta(days=age_days)
        started_on = date_of_birth + datetime.timedelta(days=rng.randint(90, age_days - 14))
        room = BABIES if age_days < 550 else TODDLERS if age_days < 1095 else PRE_SCHOOL
        new_children.append(
            Child(
                setting=setting,
                first_name=rng.choice(_FIRST_NAMES),
                last_name=rng.choice(_LAST_NAMES),
                date_of_birth=date_of_birth,
                room=team.rooms[room],
                started_on=started_on,
                key_person=key_people[number % len(key_people)],
            )
        )
    families = bulk_create_with_history(
        [Family(setting=setting, name=f"The {c.last_name} household") for c in new_children],
        Family,
        default_user=manager,
        default_change_reason="Family added",
    )
    for child, family in zip(new_children, families, strict=True):
        child.family = family
    new_children = bulk_create_with_history(
        new_children, Child, default_user=manager, default_change_reason="Child joined the setting"
    )

    parents = bulk_create_with_history(
        [
            Person(
                setting=setting,
                family=child.family,
                first_name=rng.choice(_PARENT_NAMES),
                last_name=child.last_name,
            )
            for child in new_children
        ],
        Person,
        default_user=manager,
        default_change_reason="Person added",
    )
    bulk_create_with_history(
        [
            ChildPerson(
                child=child,
                person=parent,
                relationship=Relationship.PARENT,
                has_parental_responsibility=True,
                pr_evidence=PREvidence.BIRTH_CERTIFICATE,
                lives_with_child=True,
            )
            for child, parent in zip(new_children, parents, strict=True)
        ],
        ChildPerson,
        default_user=manager,
        default_change_reason="Added to the child's register",
    )

    members, teams = [], {}
    for child in new_children:
        team_users = {child.key_person}
        if rng.random() < 1 / 3:
            team_users.add(staff.practitioner)
        if rng.random() < 1 / 4:
            team_users.add(rng.choice(key_people))
        teams[child.pk] = team_users
        members += [CareTeamMember(child=child, user=user) for user in team_users]
    bulk_create_with_history(
        members,
        CareTeamMember,
        default_user=manager,
        default_change_reason="Added to the care team",
    )
    for child in new_children:
        access.sync_child_permissions(child, teams[child.pk])

    records = []
    counts = record_counts(children, records_per_child, vary=vary)
    for child, count in zip(new_children, counts, strict=True):
        # At least a day after starting, so that the hours taken off below stay after it too.
        days_there = max((today - child.started_on).days - 1, 1)
        for _ in range(count):
            sensitive = rng.random() < 0.2
            kind, nature, title, body = rng.choice(_SENSITIVE if sensitive else _GENERAL)
            occurred_at = now - datetime.timedelta(
                days=rng.randint(1, days_there), minutes=rng.randint(0, 600)
            )
            written_at = min(occurred_at + datetime.timedelta(minutes=rng.randint(5, 240)), now)
            author = manager if kind == RecordKind.MEETING_NOTE else child.key_person
            record = Record(
                child=child,
                kind=kind,
                sensitivity=Sensitivity.SENSITIVE if sensitive else Sensitivity.GENERAL,
                nature=nature,
                title=title,
                body=body.format(name=child.first_name),
                occurred_at=occurred_at,
                author=author,
                created_at=written_at,
                updated_at=written_at,
            )
            # Each history row names its own author and when it was written.
            mark(record, actor=author, reason="Written", at=written_at)
            records.append(record)
    bulk_create_with_history(records, Record, default_change_reason="Written")

    _second_setting(staff=staff, password=password)
