"""The plausible-date rule (voorzorg.core.dates): one definition for forms, the REST API
and the waitlist import; and PostgreSQL moments Python cannot hold (voorzorg.core.pgtypes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from rest_framework import serializers

from monitoring import importer
from voorzorg.api.fields import date_field, moment_field
from voorzorg.core.dates import (
    EARLIEST_BIRTH_DAY,
    EARLIEST_DAY,
    PlausibleDateValidator,
    is_plausible,
    latest_plausible_day,
)
from voorzorg.core.forms import (
    PlausibleDateField,
    PlausibleDateTimeField,
    SearchField,
    has_control_chars,
)
from voorzorg.core.pgtypes import CEILING, FLOOR

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.mark.parametrize(
    ("day", "plausible"),
    [
        (dt.date(1, 1, 1), False),
        (dt.date(26, 11, 20), False),
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (dt.date(2026, 11, 23), True),
        (dt.date(2031, 12, 31), True),  # the horizon: the end of the fifth year ahead
        (dt.date(2032, 1, 1), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_the_bounds_of_the_rule(day, plausible):
    assert is_plausible(day) is plausible
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=AMSTERDAM)
    assert is_plausible(moment) is plausible


def test_the_horizon_moves_with_today():
    assert latest_plausible_day() == dt.date(2031, 12, 31)
    assert latest_plausible_day(dt.date(2030, 1, 1)) == dt.date(2035, 12, 31)


def test_a_moment_is_judged_without_converting_it():
    # datetime.min and max cannot move into another zone; the rule must not try.
    assert not is_plausible(dt.datetime.min.replace(tzinfo=dt.UTC))
    assert not is_plausible(dt.datetime.max.replace(tzinfo=dt.UTC))


def test_date_of_birth_has_its_own_lower_bound():
    birth = PlausibleDateValidator(EARLIEST_BIRTH_DAY)
    birth(dt.date(1900, 1, 1))
    with pytest.raises(ValidationError):
        birth(dt.date(1899, 12, 31))
    with pytest.raises(ValidationError):
        PlausibleDateValidator()(dt.date(1990, 4, 2))


def test_the_import_uses_the_same_bounds():
    assert importer.MIN_DATE == EARLIEST_DAY
    assert EARLIEST_BIRTH_DAY.year == importer.MIN_BIRTH_YEAR


def test_the_message_is_dutch_in_forms_and_english_when_asked():
    field = PlausibleDateField()
    with pytest.raises(ValidationError) as refused:
        field.clean("0001-01-01")
    assert refused.value.messages == [
        "Controleer de datum: kies een datum van 1-1-2000 tot en met 31-12-2031."
    ]
    with translation.override("en"), pytest.raises(serializers.ValidationError) as refused:
        date_field().run_validation("0001-01-01")
    assert [str(m) for m in refused.value.detail] == [
        "Check the date: choose a date from 1-1-2000 up to and including 31-12-2031."
    ]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00",
        "0001-01-01 00:00",
        "1999-12-31T23:59",
        "9999-12-31T23:59",
        "0000-01-01T00:00",
    ],
)
def test_the_moment_form_field_refuses_and_never_overflows(value):
    with pytest.raises(forms.ValidationError):
        PlausibleDateTimeField().clean(value)


def test_the_moment_form_field_takes_a_local_moment():
    moment = PlausibleDateTimeField().clean("2026-11-20T14:00")
    assert moment == dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1999-12-31T23:59:00+01:00",
        "2032-01-01T00:00:00+01:00",
    ],
)
def test_the_moment_api_field_refuses_with_the_rule(value):
    with pytest.raises(serializers.ValidationError) as refused:
        moment_field().run_validation(value)
    assert str(refused.value.detail[0]).startswith("Controleer de datum")


def test_the_api_fields_keep_their_own_validators():
    def no_mondays(value):
        if value.weekday() == 0:
            raise serializers.ValidationError("maandag")

    field = date_field(validators=[no_mondays])
    assert field.run_validation("2026-11-24") == dt.date(2026, 11, 24)
    with pytest.raises(serializers.ValidationError):
        field.run_validation("2026-11-23")


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("Sanne", "Sanne"),
        ("  San\x00ne\t ", "Sanne"),
        ("\x00", ""),
        ("\x1b[31mrood", "[31mrood"),
        ("x" * 500, "x" * 100),
        (None, ""),
    ],
)
def test_the_search_field_drops_control_characters(typed, searched):
    assert SearchField().clean(typed) == searched


def test_control_characters_are_recognised():
    assert has_control_chars("VZ-\x00")
    assert not has_control_chars("VZ-7KQ4M2XA")


# --- Moments PostgreSQL holds and Python cannot -------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the driver's reader exists on PostgreSQL"
)
def test_postgresql_reads_year_one_and_infinity_without_failing():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '0001-01-01 00:00+00:19:32'::timestamptz, '-infinity'::timestamptz, "
            "'294276-01-01 00:00+00'::timestamptz, 'infinity'::timestamptz, "
            "'2026-11-20 14:00+01'::timestamptz, NULL::timestamptz"
        )
        assert cursor.fetchone() == (
            FLOOR,
            FLOOR,
            CEILING,
            CEILING,
            dt.datetime(2026, 11, 20, 13, tzinfo=dt.UTC),
            None,
        )
