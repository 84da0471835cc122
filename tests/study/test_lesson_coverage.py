"""One "watched" figure: the player shows the lesson's attested coverage exactly as "My learning
hours" and the class page do, and keeps time since the last check apart, as pending."""

import html
import json
import re

import pytest

from skilltrace.courses.rules import watched_percent
from skilltrace.identity.models import Role
from skilltrace.study.coverage import LessonCoverage
from skilltrace.study.ledger import Ledger, LessonInfo


@pytest.mark.parametrize(
    ("covered", "duration", "completed", "percent"),
    [
        (0.0, 120.0, False, 0),
        (48.0, 120.0, False, 40),
        (34.8, 120.0, False, 29),  # 0.29 × 100 is 28.999… in floats: still 29
        (34.7, 120.0, False, 28),
        (34.8, 120.0, True, 100),
        (120.0, 120.0, False, 99),  # 100 only once the lesson is complete
        (10.0, 0.0, False, 0),
        (10.0, None, False, 0),
    ],
)
def test_watched_percent(covered, duration, completed, percent):
    assert watched_percent(covered, duration, completed) == percent


def test_the_fold_and_the_table_give_the_same_coverage():
    ledger = Ledger(coverage={7: ((0.0, 30.0), (60.0, 78.0))}, lessons={7: LessonInfo(3, 120.0)})

    class Row:
        covered_seconds = 48.0
        completed_at = None

    assert LessonCoverage.of_ledger(ledger, 7) == LessonCoverage.of_progress(7, 120.0, Row())
    assert LessonCoverage.of_ledger(ledger, 7).percent == 40


def _span(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    assert found, pattern
    return int(found.group(1))


def _pages(study) -> dict[str, int]:
    room, client = study.room, study.client
    lesson = room.lesson.id
    player = client.get(f"/study/lessons/{lesson}").get_data(as_text=True)
    ledger = client.get("/study/ledger").get_data(as_text=True)
    class_page = client.get(f"/learner/classes/{room.class_.id}").get_data(as_text=True)
    api = client.get("/api/v1/me/ledger").get_json()
    (row,) = [
        row for course in api["courses"] for row in course["lessons"] if row["lesson_id"] == lesson
    ]
    return {
        "player page": _span(player, r'<span id="coverage">(\d+)</span>'),
        "ledger page": _span(ledger, rf'class="lesson-watched" data-lesson="{lesson}">(\d+)<'),
        "class page": _span(class_page, rf'class="lesson-watched" data-lesson="{lesson}">(\d+)<'),
        "ledger API": row["watched_percent"],
    }


def test_player_shows_the_figure_of_the_ledger_and_class_pages(app, study, make_user, login):
    before = study.client.get(f"/study/lessons/{study.room.lesson.id}").get_data(as_text=True)
    assert _span(before, r'<span id="coverage">(\d+)</span>') == 0
    # Credited and pending time read as minutes and seconds ("4 分钟 30 秒").
    config = json.loads(html.unescape(re.search(r"data-config='([^']*)'", before).group(1)))
    assert config["units"] == {"min": "分钟", "s": "秒"}
    study.signed_in()
    for _ in range(3):
        beat = study.beat(15).get_json()
        assert beat["lesson"]["watched_percent"] == 0  # watched, not yet verified
        assert beat["pending_seconds"] > 0
    final = study.finish()  # the closing check credits the 45 s watched
    assert final["pending_seconds"] == 0
    figure = final["lesson"]["watched_percent"]
    assert 30 <= figure <= 40, final["lesson"]
    assert _pages(study) == dict.fromkeys(
        ["player page", "ledger page", "class page", "ledger API"], figure
    )
    # The regulator's class progress shows the learner's own figure.
    regulator = app.test_client()
    login(regulator, make_user(Role.REGULATOR, scope="61"))
    progress = regulator.get(f"/oversight/classes/{study.room.class_.id}").get_data(as_text=True)
    assert _span(progress, r"<td>(\d+)%</td>") == figure
    # A new session starts from the same figure (the session's fold of the ledger).
    again = study.start()
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["lesson"]["watched_percent"] == figure
