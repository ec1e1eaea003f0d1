"""API keys: ``tlcv_<id>_<secret>``. The id finds the row; only sha256(salt ‖ key) is stored.

Keys are 256-bit random, so one salted SHA-256 is enough (no password stretching needed); the
comparison is constant-time. The plaintext is returned once, by ``create``, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.index.schema import ApiKeyRow
from assistant.security.principal import Principal, Role, parse_origins, parse_scopes

PREFIX = "tlcv"
SCHEME = "sha256-salt"
LAST_USED_EVERY = 60.0  # seconds between last_used_at writes for one key


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_key(plaintext: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{plaintext}".encode()).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    """"tlcv_<id>_<secret>" → (id, secret); None when it is not shaped like one of our keys."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(parts[2]) < 20:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True)
class CreatedKey:
    id: str
    plaintext: str  # shown once
    role: Role
    name: str
    scopes: list[str]
    origins: list[str]
    expires_at: datetime | None = None  # UTC


class KeyExpired(Exception):
    """A genuine key (the secret matched) past its expiry."""

    def __init__(self, key_id: str, expires_at: datetime) -> None:
        self.key_id = key_id
        self.expires_at = expires_at
        super().__init__(f"key {key_id} expired at {expires_at.isoformat()}Z")


class KeyStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._last_used: dict[str, float] = {}
        self._lock = threading.Lock()

    def create(self, role: str | Role, name: str, scopes: str | list[str] | None = None,
               origins: str | list[str] | None = None, expires_at: datetime | None = None) -> CreatedKey:
        """``expires_at``: naive UTC; after it the key is refused with ``key_expired``."""
        try:
            role = Role(role)
        except ValueError as exc:
            raise ValueError(f"Vai trò không hợp lệ: '{role}' (admin, staff hoặc widget).") from exc
        name = name.strip()
        if not name:
            raise ValueError("Cần đặt tên cho khoá (--name).")
        scope_list = parse_scopes(scopes)
        origin_list = parse_origins(origins)
        if role is Role.WIDGET and not origin_list:
            raise ValueError("Khoá widget phải gắn với ít nhất một nguồn trang nhúng (--origins https://…).")
        if role is not Role.WIDGET and origin_list:
            raise ValueError("Chỉ khoá widget mới gắn với nguồn trang nhúng (--origins).")
        if expires_at is not None and expires_at <= utcnow():
            raise ValueError("Thời điểm hết hạn của khoá phải ở tương lai.")
        key_id = secrets.token_hex(6)
        plaintext = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        salt = secrets.token_hex(16)
        with self.sessions.begin() as s:
            s.add(ApiKeyRow(id=key_id, name=name[:200], role=role.value, scopes=scope_list, origins=origin_list,
                            scheme=SCHEME, salt=salt, key_hash=hash_key(plaintext, salt), created_at=utcnow(),
                            expires_at=expires_at))
        return CreatedKey(key_id, plaintext, role, name, scope_list, origin_list, expires_at)

    def list(self, include_revoked: bool = True) -> list[ApiKeyRow]:
        with self.sessions() as s:
            q = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            if not include_revoked:  # active keys only: neither revoked nor expired
                q = q.where(ApiKeyRow.revoked_at.is_(None),
                            or_(ApiKeyRow.expires_at.is_(None), ApiKeyRow.expires_at > utcnow()))
            return list(s.scalars(q))

    def revoke(self, key_id: str) -> bool:
        """True when an active key was revoked; False when there is no such key or it was revoked before."""
        with self.sessions.begin() as s:
            row = s.get(ApiKeyRow, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
        return True

    def delete(self, key_id: str) -> None:
        with self.sessions.begin() as s:
            row = s.get(ApiKeyRow, key_id)
            if row is not None:
                s.delete(row)

    def verify(self, token: str) -> Principal | None:
        """The key's caller; None for an unknown, wrong or revoked key; raises ``KeyExpired`` for an
        expired one (only once the secret matched, so a guessed id tells nothing)."""
        parts = split_key(token)
        if parts is None:
            return None
        key_id, _ = parts
        with self.sessions() as s:
            row = s.get(ApiKeyRow, key_id)
        if row is None or row.revoked_at is not None or row.scheme != SCHEME:
            # Same work either way: no timing difference between unknown and wrong keys.
            hmac.compare_digest(hash_key(token, "0" * 32), "0" * 64)
            return None
        if not hmac.compare_digest(hash_key(token, row.salt), row.key_hash):
            return None
        if row.expires_at is not None and row.expires_at <= utcnow():
            raise KeyExpired(row.id, row.expires_at)
        self._touch(key_id)
        return Principal(id=f"key:{row.id}", role=Role(row.role), name=row.name, scopes=tuple(row.scopes or ()),
                         origins=tuple(row.origins or ()), kind="key")

    def _touch(self, key_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_used.get(key_id, -LAST_USED_EVERY) < LAST_USED_EVERY:
                return
            self._last_used[key_id] = now
        with self.sessions.begin() as s:
            s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow()))
