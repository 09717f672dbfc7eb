"""The dashboard's period menu (``menus.period_options``) is worked out once per process
for the same inputs; every input (the stored runs, the period shown, the language, the
time zone) keeps its own menu, and a caller gets a copy of it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from monitoring.dashboard.menus import period_options
from monitoring.periods import Period

SEPTEMBER = Period.parse("2026-09")
RUNS = {
    "2026-09": dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC),
    "2026-Q3": dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC),
    # Still running when computed: the menu says up to which day it counts.
    "2026-Q4": dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC),
}


def _labels(menu: list[dict]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    return [
        (str(group["title"]), [(o["key"], o["label"], o["selected"]) for o in group["options"]])
        for group in menu
    ]


def test_each_language_and_time_zone_keeps_its_own_menu():
    with translation.override("nl"):
        dutch = _labels(period_options(SEPTEMBER, RUNS))
    with translation.override("en"):
        english = _labels(period_options(SEPTEMBER, RUNS))
    assert dutch[0][0] == "Kwartalen" and english[0][0] != "Kwartalen"
    with translation.override("nl"):
        assert _labels(period_options(SEPTEMBER, RUNS)) == dutch
        # 23:30 UTC on 30 November is 1 December in Amsterdam: the quarter then counted
        # up to 1 December; in UTC up to 30 November.
        with timezone.override("Europe/Amsterdam"):
            amsterdam = dict(dutch_options(period_options(SEPTEMBER, RUNS)))
        with timezone.override("UTC"):
            utc = dict(dutch_options(period_options(SEPTEMBER, RUNS)))
    assert "1 december 2026" in amsterdam["2026-Q4"]
    assert "30 november 2026" in utc["2026-Q4"]


def dutch_options(menu: list[dict]) -> list[tuple[str, str]]:
    return [(o["key"], o["label"]) for group in menu for o in group["options"]]


def test_the_runs_and_the_period_shown_keep_their_own_menu():
    with translation.override("nl"):
        full = dict(dutch_options(period_options(SEPTEMBER, RUNS)))
        fewer = dict(dutch_options(period_options(SEPTEMBER, {"2026-Q3": RUNS["2026-Q3"]})))
        august = period_options(Period.parse("2026-08"), RUNS)
    assert set(full) == {"2026-Q4", "2026-Q3", "2026-09"}
    assert set(fewer) == {"2026-Q3", "2026-09"}
    assert "nog niet berekend" in fewer["2026-09"]
    assert "nog niet berekend" not in full["2026-09"]
    selected = [o["key"] for group in august for o in group["options"] if o["selected"]]
    assert selected == ["2026-08"]


def test_a_caller_gets_a_copy():
    with translation.override("nl"):
        menu = period_options(SEPTEMBER, RUNS)
        menu[0]["options"][0]["label"] = "changed"
        menu[0]["options"].clear()
        again = period_options(SEPTEMBER, RUNS)
    assert again[0]["options"] and again[0]["options"][0]["label"] != "changed"


def test_the_option_tags_are_the_template_loops_elements():
    """``{% option_tags %}`` writes what the loop it replaced wrote: key and label
    escaped, ``selected`` on the chosen one."""
    from django.template import Context, Template

    options = [
        {"key": "provider:1", "label": "Zorg & Co 'Noord' <GGZ>", "selected": False},
        {"key": 'a"b', "label": "Hele regio", "selected": True},
    ]
    loop = Template(
        '{% for option in options %}<option value="{{ option.key }}"'
        "{% if option.selected %} selected{% endif %}>{{ option.label }}</option>{% endfor %}"
    )
    tags = Template("{% load menu_options %}{% option_tags options %}")
    context = Context({"options": options})
    assert tags.render(context) == loop.render(context)
    assert "&lt;GGZ&gt;" in tags.render(context) and 'value="a&quot;b" selected' in tags.render(
        context
    )
