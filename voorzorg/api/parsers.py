"""The REST API's JSON parser: DRF's, with limits on size and nesting.

Python's json module parses recursively: a body of a few kilobytes nested a thousand
levels deep (``[[[[...]]]]``) raises RecursionError, which DRF does not catch, so every
write answered 500. And DRF reads the body from the stream, past Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (that only guards ``request.body`` and forms), so no size
limit applied at all. Both are now checked before the body is parsed and refused with a
400 in the API's one error shape (``ParseError`` through ``api_exception_handler``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json as drf_json

# Our deepest body is three levels (a session with its attendance list of objects); 32
# leaves room for any sane client and stays far below Python's recursion limit (1000),
# also for the code that walks the parsed data afterwards (serializers, error flattening).
MAX_DEPTH = 32
# The largest body we expect is a session of a big group with notes: some kilobytes.
# One megabyte leaves ample room and keeps a single request from filling a worker's memory.
MAX_BYTES = 1024 * 1024

# A JSON string, escapes included. Brackets inside strings do not nest anything.
_STRING = re.compile(r'"(?:[^"\\]|\\[\s\S])*"')
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit``, without parsing.

    Counts brackets outside strings, the way the parser reads them, so for any text
    (valid or not) the depth the parser would reach before an error is at most the depth
    counted here: a text that passes cannot make the parser recurse past ``limit``.
    """
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    """JSON bodies of at most ``max_bytes`` bytes, nested at most ``max_depth`` levels."""

    max_bytes = MAX_BYTES
    max_depth = MAX_DEPTH

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = get_encoding(parser_context or {})
        # One byte more than allowed tells "at the limit" from "over it" without reading
        # the rest, whatever Content-Length claims.
        raw = stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise ParseError(
                _("De inhoud van het verzoek is groter dan %(n)d bytes.") % {"n": self.max_bytes}
            )
        try:
            text = raw.decode(encoding)
        except UnicodeError as exc:
            raise ParseError(_("De inhoud van het verzoek is geen geldige JSON.")) from exc
        if json_depth_exceeds(text, self.max_depth):
            raise ParseError(
                _("De JSON is dieper genest dan %(n)d niveaus.") % {"n": self.max_depth}
            )
        parse_constant = drf_json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(
                _("De inhoud van het verzoek is geen geldige JSON: %(error)s") % {"error": exc}
            ) from exc
