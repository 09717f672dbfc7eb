"""FHIR R4 read and search API (JSON) under ``/fhir/``; see docs/fhir.md.

``mappers`` turns model instances into FHIR resources as plain dicts (pure, no queries),
on the building blocks of ``datatypes``, and ``bundles`` wraps them; ``selectors`` holds
the scoped querysets and the audit of what was shown; ``resource_types`` what each type
searches and reads; ``base`` the HTTP side (FHIR JSON, OperationOutcome errors) and
``views`` the DRF endpoints. Sits at the bottom of the app table in docs/architecture.md, beside
``monitoring``: it reads the domain apps through their scopes and never writes to them.
"""
