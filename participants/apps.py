from __future__ import annotations

from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
