"""Loaded with `-p` before Django is set up: the environment every test run starts from.

Values already in the environment win, so CI can point the same suite at PostgreSQL and
Redis with DATABASE_URL / REDIS_URL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SIFT_STATIC_MANIFEST", "0")
os.environ.setdefault("SIFT_TASKS_EAGER", "1")
os.environ.setdefault("SIFT_VAR_DIR", tempfile.mkdtemp(prefix="sift-test-var-"))
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # Under `pytest -n`, each worker process gets its own folder (media, broker, caches) inside
    # the one the controller made, so that two workers never share a file.
    os.environ["SIFT_VAR_DIR"] = os.path.join(os.environ["SIFT_VAR_DIR"], worker)
    os.makedirs(os.environ["SIFT_VAR_DIR"], exist_ok=True)
os.environ.setdefault("SIFT_LOG_LEVEL", "WARNING")
