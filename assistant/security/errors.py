"""Error bodies of the trust layer: stable codes, Vietnamese messages, one JSON shape.

    {"error": {"code": "rate_limited", "message": "…", …}}

The same shape as every other API error (see assistant/api/app.py).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

WWW_AUTHENTICATE = 'Bearer realm="tro-ly-cong-vu"'

MESSAGES = {
    "unauthenticated": "Cần xác thực: gửi khoá API hoặc mã đăng nhập SSO trong tiêu đề Authorization: Bearer ….",
    "invalid_credentials": "Khoá API hoặc mã đăng nhập không hợp lệ hoặc đã bị thu hồi.",
    "token_expired": "Mã đăng nhập đã hết hạn; vui lòng đăng nhập lại.",
    "key_expired": "Khoá API đã hết hạn. Vui lòng liên hệ quản trị viên để được cấp khoá mới.",
    "forbidden": "Khoá API hoặc tài khoản này không có quyền dùng chức năng này.",
    "origin_not_allowed": "Khoá widget này không được phép dùng trên trang hiện tại (nguồn trang không có trong "
                          "danh sách đã đăng ký).",
    "body_too_large": "Nội dung yêu cầu quá lớn (tối đa {limit} byte).",
    "question_empty": "Câu hỏi chưa có nội dung. Vui lòng nhập câu hỏi bằng chữ.",
    "question_too_long": "Câu hỏi quá dài (tối đa {limit} ký tự). Vui lòng rút gọn câu hỏi.",
    "history_too_long": "Lịch sử hội thoại quá dài (tối đa {limit} tin nhắn). Vui lòng bắt đầu hội thoại mới.",
    "rate_limited": "Anh/chị đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau {retry_after} giây.",
    "auth_unavailable": "Tạm thời không kiểm tra được thông tin xác thực. Vui lòng thử lại sau ít phút.",
    "database_unavailable": "Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau ít phút.",
    "service_unavailable": "Dịch vụ đang khởi động, vui lòng thử lại sau ít phút.",
    "conversation_not_found": "Không tìm thấy cuộc hội thoại này. Vui lòng bắt đầu hội thoại mới.",
    "invalid_request": "Yêu cầu không hợp lệ.",
    "uri_too_long": "Địa chỉ yêu cầu quá dài (tối đa {limit} byte).",
    "headers_too_large": "Phần tiêu đề (headers) của yêu cầu quá lớn (tối đa {limit} byte).",
}


class TrustError(Exception):
    """Raised by the trust layer; rendered by ``response()`` or the app's HTTPException handler."""

    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None, message: str | None = None,
                 **fmt: Any) -> None:
        self.status = status
        self.code = code
        self.message = message or MESSAGES[code].format(**fmt)
        self.headers = headers or {}
        self.extra = {k: v for k, v in fmt.items() if k in ("limit", "retry_after")}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def unauthenticated(code: str = "unauthenticated") -> TrustError:
    value = WWW_AUTHENTICATE if code == "unauthenticated" else f'{WWW_AUTHENTICATE}, error="invalid_token"'
    return TrustError(401, code, {"WWW-Authenticate": value})


def as_http_exception(err: TrustError):  # noqa: ANN201 - fastapi.HTTPException, imported lazily
    """The same error as an HTTPException, for dependencies and handlers."""
    from fastapi import HTTPException

    return HTTPException(err.status, detail=err.body()["error"], headers=err.headers or None)
