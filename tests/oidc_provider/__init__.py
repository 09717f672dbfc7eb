"""A real OpenID Connect provider for the single sign-on tests: django-oidc-provider.

A separate, tiny Django project (its own settings, URLs, templates and SQLite database)
that stands in for the region's identity provider. ``serve.py`` provisions it (an RSA
signing key, Voorzorg as a confidential client, a few users) and serves it on a free
loopback port; ``fixtures.py`` starts it as a subprocess for a test session and stops it.

Test and development only: django-oidc-provider is a dev dependency and appears in no
settings of Voorzorg itself.
"""
