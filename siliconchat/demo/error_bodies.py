"""The error bodies the demo server sends, as SiliconFlow sends them, and the ``demo/error-STATUS`` replies."""

from __future__ import annotations

import json

from siliconchat.demo.script import ErrorReply


def json_error(code: int, message: str) -> str:
    """The usual SiliconFlow error object."""
    return json.dumps({"code": code, "message": message, "data": None})


MODEL_NOT_FOUND = json_error(20012, "Model does not exist. Please check it carefully.")
INVALID_TOKEN = json.dumps("Invalid token")
NOT_FOUND_TEXT = "404 page not found"
BALANCE = json_error(30001, "Sorry, your account balance is insufficient")
GATEWAY_TIMEOUT_HTML = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

ERRORS: dict[str, ErrorReply] = {
    "demo/error-400": ErrorReply(
        400,
        json_error(
            20015,
            "Context length exceeded: the input (40212 tokens) plus max_tokens (4096) is longer than "
            "the maximum context length of this model (32768 tokens). Please shorten the messages.",
        ),
    ),
    "demo/error-401": ErrorReply(401, json.dumps("Api key is invalid")),
    "demo/error-402": ErrorReply(402, BALANCE),
    "demo/error-403": ErrorReply(403, BALANCE),
    "demo/error-403-verify": ErrorReply(
        403,
        json_error(
            30011,
            "The model requires real-name verification. Please complete identity verification "
            "in your account settings and try again.",
        ),
    ),
    "demo/error-404": ErrorReply(404, NOT_FOUND_TEXT, "text/plain; charset=utf-8"),
    "demo/error-429": ErrorReply(
        429,
        json.dumps(
            {
                "message": "Request was rejected due to rate limiting. If you want more, please contact "
                "contact@siliconflow.cn. Details: TPM limit reached.",
                "data": None,
                "code": 50602,
            }
        ),
    ),
    "demo/error-500": ErrorReply(500, json.dumps("Internal Server Error")),
    "demo/error-503": ErrorReply(503, json_error(50505, "Model service overloaded. Please try again later.")),
    "demo/error-504": ErrorReply(504, GATEWAY_TIMEOUT_HTML, "text/html"),
}
