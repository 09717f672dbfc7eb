"""Provision the test identity provider and serve it: ``python -m tests.oidc_provider.serve``.

Takes one JSON object on standard input::

    {"database": "/tmp/.../provider.sqlite3",
     "client": {"client_id": ..., "client_secret": ...,
                "redirect_uris": [...], "post_logout_redirect_uris": [...]},
     "users": [{"username": ..., "password": ..., "email": ...,
                "email_verified": true | false | null}]}

creates the database, an RSA signing key, the client (confidential, code flow, RS256,
no consent screen) and the users, then serves on a free port of 127.0.0.1 and writes one
line of JSON to standard output: ``{"url": "http://127.0.0.1:<port>"}``. It serves until
it is terminated.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any


def provision(spec: dict[str, Any]) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    from tests.oidc_provider.claims import EMAIL_VERIFIED

    call_command("migrate", verbosity=0)
    call_command("creatersakey", stdout=io.StringIO())
    client = spec["client"]
    registered = Client.objects.create(
        name="Voorzorg",
        client_type="confidential",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=False,
        _redirect_uris="\n".join(client["redirect_uris"]),
        _post_logout_redirect_uris="\n".join(client.get("post_logout_redirect_uris", [])),
    )
    registered.response_types.add(ResponseType.objects.get(value="code"))
    for user in spec["users"]:
        User.objects.create_user(user["username"], email=user["email"], password=user["password"])
        EMAIL_VERIFIED[user["username"]] = user.get("email_verified", True)


def serve() -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_port}"}), flush=True)
    server.serve_forever()


def main() -> None:
    spec = json.loads(sys.stdin.read())
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["TEST_PROVIDER_DB"] = spec["database"]
    import django

    django.setup()
    provision(spec)
    serve()


if __name__ == "__main__":
    main()
