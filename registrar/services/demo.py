"""The demo: the CityCOP forum from its event page, sample guests, and some answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    AgendaItem,
    AgendaKind,
    AgendaPerson,
    Category,
    Channel,
    Event,
    Guest,
    Language,
    PersonRole,
    Role,
)
from . import audit, invitations, outbox, rsvp, staff

SLUG = "citycop"
TZ = ZoneInfo("Asia/Taipei")
# The event page gives no seat count; Conference Room 301a is set up here for 36 seats,
# 2 of them held back for protocol, so that the 40 sample guests can fill it and reach the
# waitlist. Change it in the console or with `flask --app registrar event capacity`.
CAPACITY = 36
HELD_SEATS = 2
DAYS_AHEAD = 28
RSVP_CLOSES_DAYS_BEFORE = 5

ORGANIZER_EMAIL = "organizer@citycop.example"
ORGANIZER_PASSWORD = "citycop-organizer"
DOOR_EMAIL = "door@citycop.example"
DOOR_PASSWORD = "citycop-door-staff"

EVENT = dict(
    slug=SLUG,
    short_name="CityCOP",
    title_en="Innovating for Climate-Neutral Cities with the Power of Community",
    title_zh="以社群力量創新氣候中和城市",
    description_en=(
        "Cities accommodate more than half of the world's population, consume two-thirds of "
        "global energy and generate over 70% of carbon emissions. This year's CityCOP forum, "
        "held with ICLEI as East Asia's first Climate Neutral and Smart Cities Community of "
        "Practice is launched, explores resource circulation, nature integration and "
        "biodiversity, and green transportation at the city level."
    ),
    description_zh=(
        "城市容納全球過半人口，消耗三分之二的能源，排放逾七成的碳。今年的 CityCOP 論壇與 "
        "ICLEI 共同舉辦，適逢東亞首個「氣候中和與智慧城市實踐社群」計畫啟動，聚焦城市層級的"
        "資源循環、自然融合與生物多樣性，以及綠色交通。"
    ),
    venue_en="Kaohsiung Exhibition Center, 3F",
    venue_zh="高雄展覽館 3樓",
    room_en="Conference Room 301a",
    room_zh="301a 會議室",
    organizers_en="City of Kaohsiung, ICLEI and ICLEI Kaohsiung Capacity Center",
    organizers_zh="高雄市政府、ICLEI 地方環境行動國際理事會、ICLEI 高雄能力培訓中心",
    channels="en zh",
)

# (kind, start, end, title_en, title_zh, [(role, name_en, name_zh, affiliation_en, affil_zh)])
AGENDA = [
    (
        AgendaKind.SESSION,
        "13:30",
        "14:50",
        "Session 2: Working with Nature for People, Climate and Biodiversity",
        "第二場：與自然協作——為了人、氣候與生物多樣性",
        [
            (
                PersonRole.SPEAKER,
                "Thulani Mkhonta",
                "",
                "Mayor of Mbabane, Eswatini",
                "史瓦帝尼姆巴巴內市市長",
            ),
            (
                PersonRole.SPEAKER,
                "Ingrid Coetzee",
                "",
                "Director, Biodiversity, Nature and Health, ICLEI Africa Secretariat and "
                "ICLEI Cities Biodiversity Center",
                "ICLEI非洲秘書處及ICLEI全球城市生物多樣性中心-生物多樣性、自然與健康事務主任",
            ),
            (
                PersonRole.SPEAKER,
                "Fang Yu-Chin",
                "方裕欽",
                "Secretary, Shoushan National Nature Park Headquarters",
                "壽山國家自然公園管理處秘書",
            ),
            (PersonRole.MODERATOR, "Chyi Rong Chiou", "", "", ""),
        ],
    ),
    (AgendaKind.BREAK, "14:50", "15:10", "Break", "茶敘", []),
    (
        AgendaKind.SESSION,
        "15:10",
        "16:30",
        "Session 3: Innovating Green Mobility",
        "第三場：創新綠色交通",
        [
            (
                PersonRole.SPEAKER,
                "Bernard Wagner",
                "",
                "Mayor of Belize City, Belize",
                "貝里斯貝里斯市長",
            ),
            (
                PersonRole.SPEAKER,
                "Wu Ting-Fa",
                "吳定發",
                "Chairman, Master Transportation Bus Manufacturing",
                "成運汽車董事長",
            ),
            (
                PersonRole.SPEAKER,
                "Lai Ching-Ming",
                "賴慶明",
                "Distinguished Professor, Department of Electrical Engineering, "
                "National Chung Hsing University",
                "中興大學電機工程學系特聘教授",
            ),
            (
                PersonRole.SPEAKER,
                "Chen Ching-Fu",
                "陳勁甫",
                "Distinguished Professor, Department of Transportation and Communication "
                "Management Science, National Cheng Kung University",
                "成功大學交通管理科學系特聘教授",
            ),
            (
                PersonRole.MODERATOR,
                "Dr. Tze-Luen Lin",
                "",
                "Deputy Director, Office of Energy and Carbon",
                "能源及減碳辦公室副主任",
            ),
        ],
    ),
]

# Invented sample guests: (name_en, name_zh, e-mail user, organization, title, category, lang)
C, L = Category, Language
GUESTS = [
    (
        "Chen Mei-Ling",
        "陳美玲",
        "meiling.chen",
        "Kaohsiung City Government",
        "Deputy Mayor",
        C.VIP,
        L.ZH_HANT,
    ),
    (
        "Lin Chih-Hao",
        "林志豪",
        "chihhao.lin",
        "Kaohsiung Environmental Protection Bureau",
        "Director-General",
        C.VIP,
        L.ZH_HANT,
    ),
    ("Maria Santos", "", "maria.santos", "City of Quezon", "Climate Officer", C.DELEGATE, L.EN),
    (
        "Kenji Watanabe",
        "渡邊健二",
        "kenji.watanabe",
        "City of Yokohama",
        "Climate Policy Lead",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Park Ji-woo",
        "朴智友",
        "jiwoo.park",
        "Seoul Metropolitan Government",
        "Senior Advisor",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Huang Ya-Ting",
        "黃雅婷",
        "yating.huang",
        "ICLEI Kaohsiung Capacity Center",
        "Program Manager",
        C.STAFF,
        L.ZH_HANT,
    ),
    (
        "Tom Becker",
        "",
        "tom.becker",
        "ICLEI World Secretariat",
        "Head of Climate",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Wang Tzu-Yu",
        "王子瑜",
        "tzuyu.wang",
        "National Sun Yat-sen University",
        "Professor",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    ("Amelia Clarke", "", "amelia.clarke", "University of Waterloo", "Professor", C.DELEGATE, L.EN),
    (
        "Tsai Cheng-En",
        "蔡承恩",
        "chengen.tsai",
        "China Steel Corporation",
        "Sustainability Director",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Nguyen Thi Lan",
        "阮氏蘭",
        "lan.nguyen",
        "Da Nang People's Committee",
        "Deputy Director",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Kuo Po-Wei",
        "郭柏維",
        "powei.kuo",
        "Taiwan Power Company",
        "Engineer",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Siti Rahman",
        "",
        "siti.rahman",
        "Iskandar Regional Development Authority",
        "Planner",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Hsu Wen-Chieh",
        "許文傑",
        "wenchieh.hsu",
        "Kaohsiung MRT Corporation",
        "Chief Planner",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Lee Shu-Fen",
        "李淑芬",
        "shufen.lee",
        "Kaohsiung Transportation Bureau",
        "Section Chief",
        C.STAFF,
        L.ZH_HANT,
    ),
    ("Daniel Okafor", "", "daniel.okafor", "C40 Cities", "Regional Advisor", C.DELEGATE, L.EN),
    ("Yang Kai-Lun", "楊凱倫", "kailun.yang", "Taipei Times", "Reporter", C.PRESS, L.EN),
    (
        "Chang Hui-Chen",
        "張惠珍",
        "huichen.chang",
        "Central News Agency",
        "Journalist",
        C.PRESS,
        L.ZH_HANT,
    ),
    (
        "Sophie Laurent",
        "",
        "sophie.laurent",
        "City of Lyon",
        "Environment Councillor",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Chou Yi-Hsuan",
        "周怡萱",
        "yihsuan.chou",
        "National Cheng Kung University",
        "Associate Professor",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Liu Chun-Hung",
        "劉俊宏",
        "chunhung.liu",
        "Gogoro Inc.",
        "Policy Manager",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    ("Ahmed Hassan", "", "ahmed.hassan", "UN-Habitat", "Urban Specialist", C.DELEGATE, L.EN),
    (
        "Hsieh Pei-Chun",
        "謝佩君",
        "peichun.hsieh",
        "Kaohsiung Urban Development Bureau",
        "Planner",
        C.STAFF,
        L.ZH_HANT,
    ),
    (
        "Emma Johansson",
        "",
        "emma.johansson",
        "City of Malmö",
        "Sustainability Strategist",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Cheng Ming-Hsun",
        "鄭明勳",
        "minghsun.cheng",
        "Kaohsiung City Council",
        "Councillor",
        C.VIP,
        L.ZH_HANT,
    ),
    ("Rahul Mehta", "", "rahul.mehta", "ICLEI South Asia", "Program Officer", C.DELEGATE, L.EN),
    (
        "Wu Pei-Yu",
        "吳佩瑜",
        "peiyu.wu",
        "Industrial Technology Research Institute",
        "Researcher",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Lo Chia-Hsin",
        "羅嘉欣",
        "chiahsin.lo",
        "National Kaohsiung University of Science and Technology",
        "Professor",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    ("Ana Oliveira", "", "ana.oliveira", "City of Belém", "Climate Coordinator", C.DELEGATE, L.EN),
    (
        "Kao Shih-Chieh",
        "高士傑",
        "shihchieh.kao",
        "Formosa Plastics Group",
        "ESG Manager",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "James Whitfield",
        "",
        "james.whitfield",
        "British Office Taipei",
        "Climate Attaché",
        C.VIP,
        L.EN,
    ),
    (
        "Pan Yu-Hsiang",
        "潘宇翔",
        "yuhsiang.pan",
        "Net-Zero Institute",
        "Research Fellow",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Ito Haruka",
        "伊藤遙",
        "haruka.ito",
        "Kitakyushu City",
        "Environment Bureau Officer",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Tseng Yi-Chen",
        "曾怡臻",
        "yichen.tseng",
        "Kaohsiung Research Development and Evaluation Commission",
        "Analyst",
        C.STAFF,
        L.ZH_HANT,
    ),
    ("Lucas Meyer", "", "lucas.meyer", "ICLEI Europe", "Senior Officer", C.DELEGATE, L.EN),
    (
        "Chiang Tsung-Han",
        "江宗翰",
        "tsunghan.chiang",
        "Public Television Service",
        "Producer",
        C.PRESS,
        L.ZH_HANT,
    ),
    (
        "Grace Tan",
        "陳慧恩",
        "grace.tan",
        "Singapore Centre for Liveable Cities",
        "Deputy Director",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Su Chien-Ming",
        "蘇建銘",
        "chienming.su",
        "Taiwan Sugar Corporation",
        "Vice President",
        C.DELEGATE,
        L.ZH_HANT,
    ),
    (
        "Olivia Brown",
        "",
        "olivia.brown",
        "Bloomberg Philanthropies",
        "Program Lead",
        C.DELEGATE,
        L.EN,
    ),
    (
        "Yeh Chia-Wen",
        "葉佳雯",
        "chiawen.yeh",
        "Kaohsiung Economic Development Bureau",
        "Specialist",
        C.STAFF,
        L.ZH_HANT,
    ),
]

# Answers given in the demo, by guest index: (attending, channel)
ANSWERS = {
    0: (True, Channel.FLOOR),
    1: (True, Channel.FLOOR),
    2: (True, Channel.EN),
    3: (True, Channel.EN),
    4: (True, Channel.EN),
    6: (True, Channel.EN),
    7: (True, Channel.ZH),
    9: (False, None),
    10: (True, Channel.EN),
    13: (True, Channel.ZH),
    15: (True, Channel.EN),
    16: (True, Channel.EN),
    18: (False, None),
    19: (True, Channel.ZH),
    21: (True, Channel.EN),
    24: (True, Channel.FLOOR),
    27: (True, Channel.ZH),
    30: (True, Channel.EN),
    31: (False, None),
    33: (True, Channel.ZH),
}


@dataclass(frozen=True)
class DemoResult:
    event: Event
    created: bool
    guests: list[Guest]
    organizer_created: bool
    door_created: bool


def forum_day(today: date) -> date:
    """A weekday a few weeks from today: the page's own date (21 March 2025) is past."""
    day = today + timedelta(days=DAYS_AHEAD)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def seed(today: date) -> DemoResult:
    """Create the forum, its guests and answers, and the organizer; leave what exists alone."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
    created = event is None
    if created:
        day = forum_day(today)
        event = Event(
            **EVENT,
            capacity=CAPACITY,
            held_seats=HELD_SEATS,
            timezone="Asia/Taipei",
            doors_open_at=_at(day, "13:10"),
            starts_at=_at(day, "13:30"),
            ends_at=_at(day, "16:45"),
            rsvp_deadline=_at(day - timedelta(days=RSVP_CLOSES_DAYS_BEFORE), "23:59"),
        )
        for position, (kind, start, end, title_en, title_zh, people) in enumerate(AGENDA):
            item = AgendaItem(
                position=position,
                kind=kind,
                title_en=title_en,
                title_zh=title_zh,
                starts_at=_at(day, start),
                ends_at=_at(day, end),
            )
            for n, (role, name_en, name_zh, aff_en, aff_zh) in enumerate(people):
                item.people.append(
                    AgendaPerson(
                        position=n,
                        role=role,
                        name_en=name_en,
                        name_zh=name_zh,
                        affiliation_en=aff_en,
                        affiliation_zh=aff_zh,
                    )
                )
            event.agenda.append(item)
        db.session.add(event)
        db.session.flush()
        audit.record("event.created", actor=audit.SYSTEM, event_id=event.id)

    guests = []
    for name_en, name_zh, user, organization, title, category, language in GUESTS:
        email = f"{user}@citycop.example"
        guest = db.session.scalar(
            sa.select(Guest).where(Guest.event_id == event.id, Guest.email == email)
        )
        if guest is None:
            guest = invitations.add_guest(
                event,
                email=email,
                name_en=name_en,
                name_zh=name_zh,
                organization=organization,
                title=title,
                category=category,
                language=language,
                actor=audit.SYSTEM,
            )
        guests.append(guest)

    if created:
        for index, (attending, channel) in ANSWERS.items():
            guest = guests[index]
            rsvp.answer(
                guest.id,
                guest.token_version,
                rsvp.RsvpAnswer(attending=attending, channel=channel),
                actor=audit.SYSTEM,
            )
        # The sample answers stand for replies to invitations sent before the demo begins:
        # those guests count as invited, and no e-mail is owed for what they answered.
        outbox.discard(event)
        for index in ANSWERS:
            guests[index].sent_at = event.created_at

    organizer_created = staff.find(ORGANIZER_EMAIL) is None
    if organizer_created:
        staff.add(ORGANIZER_EMAIL, ORGANIZER_PASSWORD, Role.ORGANIZER, name="CityCOP organizer")
    door_created = staff.find(DOOR_EMAIL) is None
    if door_created:
        staff.add(DOOR_EMAIL, DOOR_PASSWORD, Role.DOOR, name="CityCOP door staff")
    return DemoResult(
        event=event,
        created=created,
        guests=guests,
        organizer_created=organizer_created,
        door_created=door_created,
    )
