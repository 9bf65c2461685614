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
