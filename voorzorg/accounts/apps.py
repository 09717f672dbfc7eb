from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "voorzorg.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.checks import register

        from .checks import demo_skip_is_on
        from .signals import start_session_clocks

        user_logged_in.connect(start_session_clocks, dispatch_uid="voorzorg_session_clocks")
        register(demo_skip_is_on)
