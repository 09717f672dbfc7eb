"""The access log's pages: the viewer, one person's access overview, emergency access.

A part of the audit app that sits higher than the log itself (docs/architecture.md): its
pages read participants through the person-record kernel (``participants.selectors``),
which writes through the log below.
"""
