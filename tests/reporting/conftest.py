from tests.screening.conftest import records  # noqa: F401  (the six screenable records)
