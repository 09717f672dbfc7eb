"""Settings package: ``base`` (development and shared), ``test`` and ``production``."""
