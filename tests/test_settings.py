import contextlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.utils import ConnectionHandler

from config import env
from config import settings as sift_settings


def test_embedded_mode_makes_one_private_secret_key_per_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sift_settings, "VAR_DIR", tmp_path / "var")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = sift_settings._embedded_secret_key()
    assert len(first) >= 50 and first == sift_settings._embedded_secret_key()
    mode = stat.S_IMODE(os.stat(tmp_path / "var" / "secret_key").st_mode)
    assert mode == 0o600


def test_a_server_with_a_database_url_gets_no_generated_key(tmp_path, monkeypatch):
    monkeypatch.setattr(sift_settings, "VAR_DIR", tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://x@db/sift")
    assert sift_settings._embedded_secret_key() is None
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        (env.env_bool, "perhaps", "must be true or false"),
        (env.env_int, "ten", "must be a whole number"),
    ],
)
def test_malformed_environment_values_stop_start_up_with_their_name(
    monkeypatch, helper, value, message
):
    monkeypatch.setenv("SIFT_X", value)
    with pytest.raises(ImproperlyConfigured, match=f"SIFT_X {message}"):
        helper("SIFT_X", 1)


def test_a_required_value_names_itself(monkeypatch):
    monkeypatch.delenv("SIFT_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SIFT_MISSING"):
        env.env_str("SIFT_MISSING")


def test_uploaded_files_go_to_a_local_folder_unless_a_bucket_is_named(monkeypatch):
    monkeypatch.delenv("SIFT_S3_BUCKET", raising=False)
    assert sift_settings._default_storage()["BACKEND"].endswith("FileSystemStorage")
    monkeypatch.setenv("SIFT_S3_BUCKET", "sift-files")
    monkeypatch.setenv("SIFT_S3_ENDPOINT_URL", "https://minio.example.org")
    storage = sift_settings._default_storage()
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "sift-files"
    assert storage["OPTIONS"]["endpoint_url"] == "https://minio.example.org"
    assert storage["OPTIONS"]["default_acl"] is None  # never public


@contextlib.contextmanager
def extra_database(config: dict, blocker):
    """`config` as the database alias "x" beside the test database."""
    connections.settings["x"] = ConnectionHandler({"default": config}).settings["default"]
    try:
        with blocker.unblock():
            yield connections["x"]
    finally:
        connections["x"].close()
        del connections["x"]  # this thread's wrapper, so the next test gets a new one
        del connections.settings["x"]


@pytest.mark.parametrize("how", ["embedded", "DATABASE_URL"])
def test_every_sqlite_database_gets_wal_the_timeout_and_immediate_transactions(
    tmp_path, how, django_db_blocker
):
    config = sift_settings.database_config(
        "" if how == "embedded" else f"sqlite:///{tmp_path / 'url.sqlite3'}",
        tmp_path / "var",
    )
    assert config["OPTIONS"]["timeout"] == 30
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with extra_database(config, django_db_blocker) as connection, connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_a_postgresql_url_keeps_its_own_options():
    config = sift_settings.database_config("postgres://x@db/sift", Path("/nonexistent"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in config.get("OPTIONS", {})
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_concurrent_read_then_write_transactions_through_a_sqlite_url_all_succeed(
    tmp_path, django_db_blocker
):
    """Issue #16's 200 concurrent votes, small: each thread reads, then writes, in one
    transaction. With deferred transactions two readers deadlock on the upgrade and SQLite
    fails one at once ("database is locked"), whatever the timeout."""
    config = sift_settings.database_config(f"sqlite:///{tmp_path / 'votes.sqlite3'}", tmp_path)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def vote(n: int) -> None:
        connection = connections["x"]  # one connection per thread
        try:
            start.wait()
            with transaction.atomic(using="x"), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM vote")
                time.sleep(0.05)  # both inside the transaction at once
                cursor.execute("INSERT INTO vote VALUES (%s)", [n])
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()
            del connections["x"]

    with extra_database(config, django_db_blocker) as connection:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE vote (n integer)")
        threads = [threading.Thread(target=vote, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM vote")
            assert cursor.fetchone()[0] == 8
