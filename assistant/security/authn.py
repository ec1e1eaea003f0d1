"""Credential → Principal: our API keys (``tlcv_…``) or the SSO's signed tokens (JWT)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.security.errors import TrustError, unauthenticated
from assistant.security.jwt_auth import JwtVerifier, looks_like_jwt
from assistant.security.keys import KeyExpired, KeyStore, split_key
from assistant.security.principal import Principal
from assistant.settings import Settings

log = logging.getLogger(__name__)


class Authenticator:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.keys = KeyStore(sessions)
        self.jwt = JwtVerifier(settings) if JwtVerifier.configured(settings) else None

    def verify(self, token: str) -> Principal:
        token = token.strip()
        if split_key(token) is not None:
            try:
                principal = self.keys.verify(token)
            except KeyExpired as exc:
                raise unauthenticated("key_expired") from exc
            except SQLAlchemyError as exc:
                log.error("không tra được khoá API: %s", type(exc).__name__)
                raise TrustError(503, "auth_unavailable", headers={"Retry-After": "30"}) from exc
            if principal is None:
                raise unauthenticated("invalid_credentials")
            return principal
        if self.jwt is not None and looks_like_jwt(token):
            return self.jwt.verify(token)
        raise unauthenticated("invalid_credentials")
