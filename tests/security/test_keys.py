"""API keys: created by the CLI and shown once, stored only as salted hashes, listed without the
secret, revoked at once."""

from __future__ import annotations

import hashlib
import json

import httpx
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
