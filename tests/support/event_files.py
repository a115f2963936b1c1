"""An event file with every key, and what tests of event files count and compare."""

from __future__ import annotations

import sqlalchemy as sa

from registrar.extensions import db
from registrar.models import AgendaItem, AgendaPerson, AuditEntry, Event

FORUM = '''\
slug = "harbour-forum"
short_name = "Harbour"
date = 2026-10-27
timezone = "Asia/Taipei"
channels = ["en", "zh", "ja"]

title.en = "Harbour \\"Cities\\" Forum"
title.zh = "港灣城市論壇"
description.en = """
Two lines: the first,
and a backslash \\\\ in the second."""
organizers.en = "City of Kaohsiung"

[times]
doors_open = "18:40"
starts = "19:00"
ends = "01:30"
ends_days_after = 1

[rsvp]
closes_days_before = 3
closes_at = "12:00"

[venue]
en = "Pier-2 Art Center"
zh = "駁二藝術特區"
address.en = "No. 1, Dayong Rd., Yancheng Dist., Kaohsiung"
map_url = "https://maps.example.org/?q=pier-2"

[room]
name.en = "Warehouse C5"
name.zh = "C5 倉庫"
capacity = 120
held = 4

[contact]
name = "Chen Mei-Ling"
email = "mei-ling.chen@example.org"
phone = "+886 7 123 4567"

[mail]
sender_name = "Harbour Forum"
reply_to = "forum@example.org"

[[agenda]]
kind = "session"
starts = "19:00"
ends = "20:30"
title.en = "Ports and People"
title.zh = "港口與人"

[[agenda.people]]
role = "moderator"
name.en = "Lin Tze-Luen"
name.zh = "林子倫"
title.en = "Deputy Director"
affiliation.zh = "能源及減碳辦公室"

[[agenda.people]]
role = "speaker"
name.zh = "方裕欽"

[[agenda]]
kind = "break"
starts = "20:30"
ends = "21:00"
title.en = "Break"

[[agenda]]
kind = "session"
starts = "23:30"
ends = "01:00"
title.en = "After Midnight"
'''


def rows() -> dict[str, int]:
    models = (Event, AgendaItem, AgendaPerson, AuditEntry)
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models
    }


def programme_of(event: Event) -> list[tuple]:
    return [
        (
            item.position,
            item.kind,
            item.title_en,
            item.title_zh,
            item.starts_at,
            item.ends_at,
            [
                (p.position, p.role, p.name_en, p.name_zh, p.title_en, p.title_zh)
                + (p.affiliation_en, p.affiliation_zh)
                for p in item.people
            ],
        )
        for item in event.agenda
    ]
