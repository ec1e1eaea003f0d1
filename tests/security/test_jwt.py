"""Bearer tokens of the city's SSO: accepted when signed by its key (PEM, JWKS file or JWKS URL)
and current; refused when expired, forged, for another audience or issuer, or unsigned."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.security.errors import TrustError
from tests.conftest import free_port
from tests.security.conftest import AUDIENCE, ISSUER, PUBLIC_DOC, SNV_DOC, TC_DOC, auth, secured


def docs(client_or_url, token: str) -> httpx.Response:
    if isinstance(client_or_url, str):
        return httpx.get(f"{client_or_url}/api/documents", headers=auth(token))
    return client_or_url.get("/api/documents", headers=auth(token))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_valid_token_gives_user_department_and_role(server, sso):
    r = docs(server.url, sso.token())
    assert r.status_code == 200
    ids = {d["id"] for d in r.json()["documents"]}
    assert SNV_DOC in ids and TC_DOC not in ids  # department claim → dept:snv
    # Several departments as a list claim.
    ids = {d["id"] for d in docs(server.url, sso.token(department=["snv", "tc"])).json()["documents"]}
    assert {SNV_DOC, TC_DOC} <= ids
    admin = sso.token(sub="qt-1", role=["viewer", "admin"])
    assert httpx.get(f"{server.url}/api/admin/audit", headers=auth(admin)).status_code == 200
    assert httpx.get(f"{server.url}/api/admin/audit", headers=auth(sso.token())).status_code == 403


def test_expired_token_is_refused_with_its_own_code(server, sso):
    r = docs(server.url, sso.token(expires_in=-3600))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired" and "hết hạn" in r.json()["error"]["message"]
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    # Within the leeway (30 s) it still passes: clocks of the SSO and the service differ a little.
    assert docs(server.url, sso.token(expires_in=-5)).status_code == 200


def test_forged_tokens_are_refused(server, sso):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = [
        sso.token(signing_key=other_key),  # wrong signature
        sso.token(aud="ung-dung-khac"),  # another audience
        sso.token(iss="https://sso.gia-mao.example"),  # another issuer
        sso.token(exp=None),  # no expiry
        sso.token(sub=None),  # no user
    ]
    header, payload, signature = sso.token().split(".")
    tampered = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered["role"] = "admin"
    forged.append(f"{header}.{b64(json.dumps(tampered).encode())}.{signature}")  # payload changed after signing
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 600, "role": "admin"}
    body = b64(json.dumps(claims).encode())
    forged.append(f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}.")  # unsigned
    # Algorithm confusion: HS256 "signed" with the public key as the HMAC secret.
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    mac = hmac.new(sso.pem.read_bytes(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    forged.append(f"{head}.{body}.{b64(mac)}")
    for token in forged:
        r = docs(server.url, token)
        assert r.status_code == 401, token
        assert r.json()["error"]["code"] == "invalid_credentials"


def jwks(sso, kid: str = "sso-1") -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(sso.key.public_key()))
    return {"keys": [jwk | {"kid": kid, "use": "sig", "alg": "RS256"}]}


def test_jwks_file(trust_index, sso, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(sso)), encoding="utf-8")
    settings = secured(trust_index, jwt_jwks=str(path), jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    with TestClient(create_app(settings)) as client:
        assert docs(client, sso.token()).status_code == 200
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert docs(client, sso.token(signing_key=other)).status_code == 401
        wrong_kid = jwt.encode({"sub": "x", "exp": int(time.time()) + 60, "iss": ISSUER, "aud": AUDIENCE},
                               sso.key, algorithm="RS256", headers={"kid": "khac"})
        assert docs(client, wrong_kid).status_code == 401


@pytest.fixture
def jwks_server(sso) -> Iterator[str]:
    body = json.dumps(jwks(sso)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/.well-known/jwks.json"
    finally:
        httpd.shutdown()
        thread.join(5)


def test_jwks_url_and_sso_outage(trust_index, sso, jwks_server):
    settings = secured(trust_index, jwt_jwks=jwks_server, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    with TestClient(create_app(settings)) as client:
        r = docs(client, sso.token())
        assert r.status_code == 200 and PUBLIC_DOC in {d["id"] for d in r.json()["documents"]}
    down = secured(trust_index, jwt_jwks=f"http://127.0.0.1:{free_port()}/jwks.json", jwt_issuer=ISSUER,
                   jwt_audience=AUDIENCE)
    with TestClient(create_app(down)) as client:
        r = docs(client, sso.token())
        assert r.status_code == 503 and r.json()["error"]["code"] == "auth_unavailable"
        assert "thử lại" in r.json()["error"]["message"]


def test_symmetric_algorithms_cannot_be_configured(trust_index, sso):
    from assistant.security.jwt_auth import JwtVerifier

    with pytest.raises(ValueError, match="bất đối xứng"):
        JwtVerifier(secured(trust_index, sso, jwt_algorithms=["HS256", "none"]))
    assert TrustError(401, "token_expired").body()["error"]["code"] == "token_expired"
