"""The parts of the waitlist import (``monitoring.importer``, which states the contract).

``fileformat``: the columns, the bounds of the values and the ``ImportIssue`` a problem
is told in; ``reading``: the file's lines, its CSV records and its header; ``rows``:
checking one row, value by value. The episodes are written by ``referrals``
(``referrals.import_services``).
"""
