from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

validate_agb_code = RegexValidator(
    regex=r"^\d{8}\Z",
    message=_("Een AGB-code bestaat uit precies 8 cijfers."),
    code="invalid_agb",
)

validate_cbs_code = RegexValidator(
    regex=r"^GM\d{4}\Z",
    message=_("Een CBS-gemeentecode is 'GM' gevolgd door 4 cijfers, bijvoorbeeld GM0014."),
    code="invalid_cbs",
)
