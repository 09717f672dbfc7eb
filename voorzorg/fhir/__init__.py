"""FHIR R4 read and search API (JSON) under ``/fhir/``; see docs/fhir.md.

``mappers`` turns model instances into FHIR resources as plain dicts (pure, no queries),
``selectors`` holds the scoped querysets and the audit of what was shown, ``views`` the
DRF endpoints. Sits at the bottom of the app table in docs/architecture.md, beside
``monitoring``: it reads the domain apps through their scopes and never writes to them.
"""
