from __future__ import annotations

from django.apps import AppConfig


class DevdataConfig(AppConfig):
    name = "voorzorg.devdata"
    label = "devdata"
