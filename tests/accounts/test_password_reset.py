from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.helpers import sign_in


@pytest.mark.django_db
def test_password_reset_by_email_end_to_end(client, poh_anna):
    response = client.post(reverse("accounts:password_reset"), {"email": "anna@voorzorg.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@voorzorg.test"]
    assert message.subject == "Nieuw wachtwoord voor Voorzorg"
    link = re.search(r"https?://[^/]+(/account/wachtwoord-herstellen/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Kies een nieuw wachtwoord" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    too_short = client.post(set_url, {"new_password1": "kort", "new_password2": "kort"})
    assert "minimaal 12 tekens" in too_short.content.decode()
    done = client.post(
        set_url,
        {
            "new_password1": "een-lang-nieuw-wachtwoord",
            "new_password2": "een-lang-nieuw-wachtwoord",
        },
    )
    assert done.status_code == 302
    assert sign_in(client, "anna@voorzorg.test", "een-lang-nieuw-wachtwoord")


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_no_mail(client, poh_anna):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@voorzorg.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
