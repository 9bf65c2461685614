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
os.environ.setdefault("SIFT_LOG_LEVEL", "WARNING")
