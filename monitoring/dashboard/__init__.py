"""The coordinator's dashboard: waits, the Treeknorm and bridging care in figures only.

``views`` (the pages and their URLs), ``presenter`` (the page's data, from the registry
and the stored figures), ``judgement`` (against the norm and the previous period) and
``formatting`` (numbers, units and periods in the reader's language).
"""
