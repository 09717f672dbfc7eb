"""Demo and scale data for development, tests and benchmarks (``seed_demo``, ``seed_scale``).

Not installed in production (``voorzorg/settings/production.py`` takes it out of
``INSTALLED_APPS``), so its commands do not exist there. It sits above every other app
and may import all of them; no app imports it.
"""
