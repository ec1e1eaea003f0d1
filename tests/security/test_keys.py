"""API keys: created by the CLI and shown once, stored only as salted hashes, listed without the
secret, revoked at once."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from assistant.index.schema import ApiKeyRow
from assistant.index.store import Index
from assistant.security.keys import KeyStore
from assistant.settings import Settings
from tests.security.conftest import auth, cli


def test_key_is_shown_once_and_stored_only_as_a_salted_hash(tmp_path):
    data = tmp_path / "data"
    code, out, err = cli(data, "keys", "create", "--role", "staff", "--name", "Chuyên viên Sở Nội vụ",
                         "--scopes", "internal,dept:SNV")
    assert code == 0, err
    assert "chỉ hiển thị một lần" in out
    plaintext = next(line.strip() for line in out.splitlines() if line.startswith("tlcv_"))
    key_id, secret = plaintext.split("_", 2)[1:]
    other = KeyStore(Index(Settings(data_dir=data)).sessions).create("staff", "khác").plaintext
    with Index(Settings(data_dir=data)).sessions() as s:
        rows = {r.id: r for r in s.scalars(sa.select(ApiKeyRow))}
    row = rows[key_id]
    assert row.role == "staff" and row.scopes == ["internal", "dept:snv"]
    assert row.key_hash == hashlib.sha256(f"{row.salt}:{plaintext}".encode()).hexdigest()
    assert len({r.salt for r in rows.values()}) == 2  # a salt per key
    # Neither key nor its secret part is anywhere in the database files.
    for path in data.glob("index.sqlite3*"):
        raw = path.read_bytes()
        for text in (plaintext, secret, other, other.split("_", 2)[2]):
            assert text.encode() not in raw, path.name
    # `keys list` shows the id, never the key.
    code, out, _ = cli(data, "keys", "list", "--json")
    listed = json.loads(out)
    assert {k["id"] for k in listed} == set(rows) and secret not in out and plaintext not in out
    code, out, _ = cli(data, "keys", "list")
    assert code == 0 and key_id in out and secret not in out


def test_keys_are_hashed_in_postgresql_too(pg_url, tmp_path):
    index = Index(Settings(data_dir=tmp_path, database_url=pg_url))
    store = KeyStore(index.sessions)
    key = store.create("admin", "Quản trị")
    with index.engine.connect() as c:
        cells = [str(v) for row in c.execute(sa.text("SELECT * FROM api_keys")) for v in row]
    assert not any(key.plaintext in v or key.plaintext.split("_", 2)[2] in v for v in cells)
    assert store.verify(key.plaintext).role.value == "admin"
    assert store.verify(key.plaintext[:-1] + ("A" if key.plaintext[-1] != "A" else "B")) is None
    index.engine.dispose()


def test_cli_validates_roles_scopes_and_widget_origins(tmp_path):
    data = tmp_path / "data"
    code, _, err = cli(data, "keys", "create", "--role", "root", "--name", "x")
    assert code == 2 and "Vai trò không hợp lệ" in err
    code, _, err = cli(data, "keys", "create", "--role", "staff", "--name", "x", "--scopes", "secret")
    assert code == 2 and "Phạm vi truy cập không hợp lệ" in err
    code, _, err = cli(data, "keys", "create", "--role", "widget", "--name", "Cổng")
    assert code == 2 and "ít nhất một nguồn" in err
    code, _, err = cli(data, "keys", "create", "--role", "widget", "--name", "Cổng", "--origins", "noibo.vn/trang")
    assert code == 2 and "không hợp lệ" in err
    code, out, _ = cli(data, "keys", "create", "--role", "widget", "--name", "Cổng", "--json",
                       "--origins", "HTTPS://NoiBo.HaNoi.gov.vn:443/,http://localhost:8080")
    assert code == 0
    assert json.loads(out)["origins"] == ["https://noibo.hanoi.gov.vn", "http://localhost:8080"]


def test_revoked_key_is_refused_at_once(server, trust_index):
    store = KeyStore(Index(trust_index).sessions)
    key = store.create("staff", "Sắp thu hồi")
    assert httpx.get(f"{server.url}/api/documents", headers=auth(key.plaintext)).status_code == 200
    code, out, _ = cli(trust_index.data_dir, "keys", "revoke", key.id)
    assert code == 0 and f"Đã thu hồi khoá {key.id}" in out
    r = httpx.get(f"{server.url}/api/documents", headers=auth(key.plaintext))
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    code, _, err = cli(trust_index.data_dir, "keys", "revoke", key.id)
    assert code == 1 and "Không có khoá đang hiệu lực" in err
    code, out, _ = cli(trust_index.data_dir, "keys", "list", "--json")
    assert next(k for k in json.loads(out) if k["id"] == key.id)["revoked_at"]


def test_forged_and_malformed_keys_are_refused(server, keys):
    real = keys["staff"]
    key_id = real.split("_", 2)[1]
    for token in (f"tlcv_{key_id}_{'x' * 43}", "tlcv_000000000000_" + "y" * 43, real[:-3], "Bearer", "null",
                  "eyJhbGciOiJub25lIn0.e30."):
        r = httpx.get(f"{server.url}/api/documents", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json()["error"]["code"] == "invalid_credentials"
    assert httpx.get(f"{server.url}/api/documents", headers={"X-API-Key": real}).status_code == 200
    assert httpx.get(f"{server.url}/api/documents", headers={"Authorization": f"bearer {real}"}).status_code == 200


def test_key_expiry_options_are_stored_and_listed(tmp_path, monkeypatch):
    from assistant.security import cli as security_cli
    from assistant.security.keys import utcnow

    data = tmp_path / "data"
    monkeypatch.setattr(security_cli.console, "width", 300)  # one table row per line
    code, out, err = cli(data, "keys", "create", "--role", "staff", "--name", "Ba tháng", "--expires-in", "90d",
                         "--json")
    assert code == 0, err
    k90 = json.loads(out)
    assert abs(datetime.fromisoformat(k90["expires_at"]) - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
    code, out, err = cli(data, "keys", "create", "--role", "admin", "--name", "Một tháng", "--expires-in", "30d")
    assert code == 0 and "Hết hạn: " in out, err
    day = date.today() + timedelta(days=400)
    code, out, err = cli(data, "keys", "create", "--role", "widget", "--name", "Cổng", "--json",
                         "--origins", "https://noibo.hanoi.gov.vn", "--expires", day.isoformat())
    assert code == 0, err
    assert json.loads(out)["expires_at"] == f"{day.isoformat()}T23:59:59"  # valid through that day (UTC)
    code, out, _ = cli(data, "keys", "create", "--role", "staff", "--name", "Không hạn", "--json")
    forever = json.loads(out)
    assert forever["expires_at"] is None

    code, out, _ = cli(data, "keys", "list", "--json")
    listed = {k["id"]: k for k in json.loads(out)}
    assert listed[k90["id"]]["expires_at"] == k90["expires_at"] and listed[k90["id"]]["expired"] is False
    assert listed[forever["id"]]["expires_at"] is None
    code, out, _ = cli(data, "keys", "list")
    # the expiry in the state column, dates short on an 80-column terminal
    assert code == 0 and "Hết hạn" in out and (day.strftime("%d/%m/%Y") in out or day.strftime("%d/%m/%y") in out)
    assert next(line for line in out.splitlines() if forever["id"] in line).count("không") == 1

    for args, message in ((["--expires-in", "90x"], "Thời hạn không hợp lệ"), (["--expires-in", "0d"], "không hợp lệ"),
                          (["--expires-in", "30d", "--expires", day.isoformat()], "Chỉ dùng một"),
                          (["--expires", "2020-01-31"], "Ngày hết hạn đã qua"),
                          (["--expires", "31/13/2027"], "Ngày không hợp lệ")):
        code, _, err = cli(data, "keys", "create", "--role", "staff", "--name", "x", *args)
        assert code == 2 and message in err, (args, err)
    assert len(json.loads(cli(data, "keys", "list", "--json")[1])) == 4  # nothing created by the refusals


def test_expired_key_gets_401_key_expired(server, trust_index, monkeypatch):
    from assistant.security import cli as security_cli
    from assistant.security.keys import utcnow

    store = KeyStore(Index(trust_index).sessions)
    key = store.create("staff", "Sắp hết hạn", expires_at=utcnow() + timedelta(seconds=2))
    lasting = store.create("staff", "Còn hạn", expires_at=utcnow() + timedelta(days=1))
    assert httpx.get(f"{server.url}/api/documents", headers=auth(key.plaintext)).status_code == 200
    time.sleep(max(0.0, (key.expires_at - utcnow()).total_seconds()) + 0.2)
    r = httpx.get(f"{server.url}/api/documents", headers=auth(key.plaintext))
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "key_expired", "message": "Khoá API đã hết hạn. Vui lòng liên hệ quản trị "
                                                                   "viên để được cấp khoá mới."}
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    # Only the genuine key learns it expired: a wrong secret with its id is just invalid.
    forged = f"tlcv_{key.id}_{'x' * 43}"
    r = httpx.get(f"{server.url}/api/documents", headers=auth(forged))
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    assert httpx.get(f"{server.url}/api/documents", headers=auth(lasting.plaintext)).status_code == 200

    monkeypatch.setattr(security_cli.console, "width", 300)
    code, out, _ = cli(trust_index.data_dir, "keys", "list")
    assert "đã hết hạn" in next(line for line in out.splitlines() if key.id in line)
    assert "hiệu lực" in next(line for line in out.splitlines() if lasting.id in line)
    code, out, _ = cli(trust_index.data_dir, "keys", "list", "--json", "--active")
    active = {k["id"] for k in json.loads(out)}
    assert lasting.id in active and key.id not in active
    code, out, _ = cli(trust_index.data_dir, "keys", "list", "--json")
    assert next(k for k in json.loads(out) if k["id"] == key.id)["expired"] is True


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_database_gets_the_new_columns(backend, tmp_path, request):
    """A database made before key expiry and refusal audit rows: the columns are added at start, keys keep working."""
    from assistant.index.sql import add_missing_columns

    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    settings = Settings(data_dir=tmp_path, database_url=url)
    index = Index(settings)
    old_key = KeyStore(index.sessions).create("staff", "Khoá từ phiên bản cũ")
    new_columns = {"api_keys": ["expires_at"], "audit_events": ["path", "error"]}
    with index.engine.begin() as c:
        for table, columns in new_columns.items():
            for column in columns:
                c.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    index.engine.dispose()

    index = Index(settings)  # the old database opened by the new version
    inspector = sa.inspect(index.engine)
    for table, columns in new_columns.items():
        assert set(columns) <= {c["name"] for c in inspector.get_columns(table)}
    principal = KeyStore(index.sessions).verify(old_key.plaintext)
    assert principal is not None and principal.id == f"key:{old_key.id}"
    with index.sessions() as s:
        assert s.get(ApiKeyRow, old_key.id).expires_at is None
    assert add_missing_columns(index.engine) == []  # nothing left to add the second time
    index.engine.dispose()
