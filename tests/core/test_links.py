"""Links made without a request (e-mail from a task, a command's output) use SITE_URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groups.services.signals import signal_notification_message
from tests.factories import SignalFactory
from voorzorg.core.links import absolute_url


def test_absolute_url_puts_the_site_in_front(settings):
    settings.SITE_URL = "https://voorzorg.example.nl"
    assert absolute_url("/werklijst/") == "https://voorzorg.example.nl/werklijst/"
    assert absolute_url("werklijst/") == "https://voorzorg.example.nl/werklijst/"


def test_absolute_url_without_a_site_is_the_path(settings):
    settings.SITE_URL = ""
    assert absolute_url("/werklijst/") == "/werklijst/"


@pytest.mark.django_db
def test_the_signal_email_links_to_the_site(settings):
    settings.SITE_URL = "https://voorzorg.example.nl"
    signal = SignalFactory()
    _subject, body = signal_notification_message(signal)
    path = reverse("groups:signal_detail", args=[signal.pk])
    assert f"https://voorzorg.example.nl{path}" in body
