"""Bearer tokens of the city's SSO (OIDC): signature, expiry, issuer and audience are checked
against a configured public key (PEM) or JWKS (file or URL). Claims give the user id, the
department (→ access scope ``dept:<code>``) and the role (admin or staff).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jwt

from assistant.security.errors import TrustError, unauthenticated
from assistant.security.principal import Principal, Role, department_scope
from assistant.settings import Settings

log = logging.getLogger(__name__)

# Only asymmetric algorithms: an HMAC "signature" made with the public key must never verify.
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("tlcv_")


def _read(value: str) -> str:
    """A setting holding either the text itself or the path of a file with it."""
    if value.lstrip().startswith(("-----BEGIN", "{")):
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"Không đọc được tệp khoá SSO: {value}")
    return path.read_text(encoding="utf-8")


class JwtVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.algorithms = [a for a in settings.jwt_algorithms if a in ASYMMETRIC]
        if not self.algorithms:
            raise ValueError("ASSISTANT_JWT_ALGORITHMS phải có ít nhất một thuật toán bất đối xứng (RS256, ES256…).")
        self._pem: str | None = None
        self._jwks: jwt.PyJWKSet | None = None
        self._client: jwt.PyJWKClient | None = None
        if settings.jwt_public_key:
            self._pem = _read(settings.jwt_public_key)
        elif settings.jwt_jwks:
            if settings.jwt_jwks.startswith(("http://", "https://")):
                self._client = jwt.PyJWKClient(settings.jwt_jwks, cache_jwk_set=True, lifespan=300, timeout=5)
            else:
                self._jwks = jwt.PyJWKSet.from_dict(json.loads(_read(settings.jwt_jwks)))

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.jwt_public_key or settings.jwt_jwks)

    def _key(self, token: str) -> Any:
        if self._pem is not None:
            return self._pem
        if self._client is not None:
            try:
                return self._client.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError as exc:
                log.warning("JWKS của SSO không truy cập được: %s", exc)
                raise TrustError(503, "auth_unavailable") from exc
            except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
                raise unauthenticated("invalid_credentials") from exc
        assert self._jwks is not None
        kid = jwt.get_unverified_header(token).get("kid")
        keys = [k for k in self._jwks.keys if kid is None or k.key_id == kid]
        if len(keys) != 1 and not (kid is None and keys):
            raise unauthenticated("invalid_credentials")
        return keys[0].key

    def verify(self, token: str) -> Principal:
        cfg = self.settings
        try:
            key = self._key(token)
            claims = jwt.decode(
                token, key, algorithms=self.algorithms, audience=cfg.jwt_audience, issuer=cfg.jwt_issuer,
                leeway=cfg.jwt_leeway_seconds,
                options={"require": ["exp", cfg.jwt_user_claim], "verify_aud": cfg.jwt_audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthenticated("token_expired") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError, TypeError) as exc:
            raise unauthenticated("invalid_credentials") from exc
        user = claims.get(cfg.jwt_user_claim)
        if not isinstance(user, str | int) or not str(user).strip():
            raise unauthenticated("invalid_credentials")
        roles = _as_list(claims.get(cfg.jwt_role_claim))
        role = Role.ADMIN if set(roles) & set(cfg.jwt_admin_roles) else Role.STAFF
        scopes = [s for s in (department_scope(d) for d in _as_list(claims.get(cfg.jwt_department_claim))) if s]
        name = str(claims.get("name") or claims.get("preferred_username") or user)
        return Principal(id=f"user:{user}", role=role, name=name[:200], scopes=tuple(dict.fromkeys(scopes)), kind="jwt")


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    return []
