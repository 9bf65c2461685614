import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

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
