"""Who is calling: roles, access scopes and the labels a caller may read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Role(StrEnum):
    ADMIN = "admin"  # everything, every document
    STAFF = "staff"  # chat, search, documents: public + internal + its departments
    WIDGET = "widget"  # chat from an embedding page on an allowed origin: public + granted scopes


PUBLIC = "public"
INTERNAL = "internal"
_SCOPE = re.compile(r"^(?:public|internal|dept:[a-z0-9][a-z0-9_.-]{0,49})$")


def parse_scopes(raw: str | list[str] | None) -> list[str]:
    """"public,internal,dept:snv" → ["public", "internal", "dept:snv"]; raises ValueError on a bad label."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        label = item.strip().lower()
        if not label:
            continue
        if not _SCOPE.match(label):
            raise ValueError(f"Phạm vi truy cập không hợp lệ: '{item.strip()}' (dùng public, internal hoặc dept:<mã>).")
        if label not in out:
            out.append(label)
    return out


def department_scope(code: str) -> str | None:
    label = f"dept:{code.strip().lower()}"
    return label if _SCOPE.match(label) else None


def normalize_origin(value: str) -> str:
    """"HTTPS://Intranet.HaNoi.gov.vn:443/" → "https://intranet.hanoi.gov.vn" (what browsers send)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Nguồn (origin) không hợp lệ: '{value}' (dạng https://ten-mien[:cổng]).")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"Nguồn (origin) không được có đường dẫn: '{value}'.")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    port = parts.port
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(raw: str | list[str] | None) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        if item.strip():
            origin = normalize_origin(item)
            if origin not in out:
                out.append(origin)
    return out


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``id`` is what audit rows and rate limits are keyed on."""

    id: str  # "key:<key id>", "user:<sso subject>", "anonymous"
    role: Role
    name: str = ""
    scopes: tuple[str, ...] = ()  # access labels granted beyond public (and internal for staff)
    origins: tuple[str, ...] = ()  # widget keys: pages allowed to use the key
    kind: str = "key"  # key | jwt | anonymous

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def access_labels(self) -> list[str] | None:
        """The document access labels this caller may read; None = no restriction (admin)."""
        if self.role is Role.ADMIN:
            return None
        labels = [PUBLIC]
        if self.role is Role.STAFF:
            labels.append(INTERNAL)
        labels += [s for s in self.scopes if s not in labels]
        return labels

    def can_read(self, access: str | None) -> bool:
        labels = self.access_labels()
        return labels is None or (access or PUBLIC) in labels


ANONYMOUS_ADMIN = Principal(id="anonymous", role=Role.ADMIN, name="(xác thực đang tắt)", kind="anonymous")
