"""Every API failure as one clear sentence: each status SiliconFlow answers with, and each way a stream breaks.

Bodies come as a JSON object, a bare JSON string, plain text or a proxy's HTML, so they are
parsed defensively; whatever the server said is sanitized, shortened and scrubbed of the key
before it is shown.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from siliconchat.core.capped import LineTooLong
from siliconchat.core.events import ErrorKind, Failed
from siliconchat.core.sanitize import redact, sanitize_line, strip_userinfo

_TAGS = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(script|style|head)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_OTHER_PLATFORM = {
    "cn": "a key from the international platform (cloud.siliconflow.com) needs --region ap or global",
    "ap": "a key from the China platform (cloud.siliconflow.cn) needs --region cn",
    "global": "a key from the China platform (cloud.siliconflow.cn) needs --region cn",
}
_EITHER_PLATFORM = (
    "a key from the China platform (cloud.siliconflow.cn) needs --region cn, "
    "one from cloud.siliconflow.com --region ap or global"
)


TRACE_HEADER = "x-siliconcloud-trace-id"


def trace_note(trace_id: str | None) -> str:
    """The trace id as users quote it to support, or nothing."""
    return f" (trace id: {sanitize_line(trace_id, 64)})" if trace_id else ""


class ApiFailure(Exception):
    """Raised by the non-streaming calls; carries the same ``Failed`` a stream would yield."""

    def __init__(self, failure: Failed) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _body_fields(body: Any, text: str) -> tuple[str, Any]:
    """(message, code) from whatever the server sent."""
    if isinstance(body, (str, bytes)) and body:
        with contextlib.suppress(ValueError):
            body = json.loads(body)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            body = inner
        message = body.get("message") or body.get("msg") or body.get("detail") or ""
        return str(message), body.get("code")
    if isinstance(body, str) and body.strip():
        return body, None
    return text, None


def _readable(message: str, limit: int = 200) -> str:
    """What the server said, in one short plain line. An HTML error page (a proxy's 502) comes down to its
    title (or first heading): its styles and scripts are never shown."""
    if "<" in message and ">" in message:
        title = _TITLE.search(message) or _HEADING.search(message)
        if title is not None and title.group(1).strip():
            message = title.group(1)
        else:
            message = _TAGS.sub(" ", _HIDDEN.sub(" ", message))
        message = html.unescape(message)
    # It goes inside parentheses that end a sentence: its own final period would double the one after them.
    return sanitize_line(message, limit).rstrip(".").rstrip()


def shown_host(base_url: str) -> str:
    """The host (and port) of ``base_url`` as messages show it: never its ``user:password@``."""
    return urlsplit(strip_userinfo(base_url)).netloc or strip_userinfo(base_url)


_host = shown_host


def _network_cause(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionRefusedError, socket.gaierror, ssl.SSLError)):
            return current
        current = current.__cause__ or current.__context__
    return None


def _chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 6:
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return " | ".join(parts).lower()


def describe_status(
    status: int,
    body: Any,
    text: str,
    *,
    model: str | None,
    base_url: str,
    region: str | None,
) -> tuple[ErrorKind, str]:
    message, code = _body_fields(body, text)
    said = _readable(message) or f"HTTP {status}"
    code_text = str(code) if code is not None else ""
    where = f' "{sanitize_line(model, 120)}"' if model else ""
    if status == 401:
        hint = _OTHER_PLATFORM.get(region or "", _EITHER_PLATFORM)
        return ErrorKind.AUTH, (
            f"The API key was refused (401: {said}). Check the key; keys work only on their own platform: {hint}."
        )
    if status in (402, 403) and code_text == "30001":
        return (
            ErrorKind.BALANCE,
            f"Your SiliconFlow account balance is insufficient ({status}: {said}). Top up, or pick a free model.",
        )
    if status == 402:
        return ErrorKind.BALANCE, f"Payment is required for this request (402: {said})."
    if status == 403:
        return ErrorKind.VERIFICATION, (
            f"Access to the model{where} was denied (403: {said}). It may need real-name verification of your account."
        )
    if status == 400 and code_text == "20012":
        return ErrorKind.MODEL_NOT_FOUND, (
            f"The model{where} does not exist on {_host(base_url)} (400: {said}). Pick another model."
        )
    if status == 400:
        code_note = f", code {code_text}" if code_text else ""
        return ErrorKind.BAD_REQUEST, f"The request was rejected (400{code_note}): {said}"
    if status == 404:
        return ErrorKind.NOT_FOUND, (
            f"The server at {_host(base_url)} answered 404 ({said}): the base URL {strip_userinfo(base_url)} looks wrong; "
            "it should end in /v1, like https://api.siliconflow.com/v1."
        )
    if status == 429:
        return ErrorKind.RATE_LIMIT, (
            f"Rate limit reached for the model{where} (429: {said}). Wait a little and retry, or pick another model."
        )
    if status == 503 or code_text == "50505":
        return ErrorKind.OVERLOADED, f"The model service is overloaded ({status}: {said}). Try again later."
    if status >= 500:
        return ErrorKind.SERVER, f"The SiliconFlow service failed ({status}: {said}). Try again later."
    return ErrorKind.OTHER, f"The request failed ({status}: {said})."


def describe_exception(
    exc: BaseException,
    *,
    model: str | None,
    base_url: str,
    region: str | None,
    idle_timeout: float,
    secret: str | None,
    partial: bool = False,
    trace_id: str | None = None,
) -> Failed:
    """One ``Failed`` event for any exception the SDK (or a broken stream) can raise."""
    import openai  # already imported by whoever raised ``exc``

    host = _host(base_url)
    status: int | None = None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        trace_id = exc.response.headers.get(TRACE_HEADER)
        try:
            text = exc.response.text
        except Exception:  # a streamed body that was never read
            text = ""
        kind, message = describe_status(status, exc.body, text, model=model, base_url=base_url, region=region)
    elif isinstance(exc, openai.APITimeoutError):
        kind = ErrorKind.TIMEOUT
        message = (
            f"No data from {host} for {idle_timeout:g} s: the answer stalled and was stopped."
            if partial
            else f"{host} did not answer within the time limit."
        )
    elif isinstance(exc, openai.APIConnectionError):
        cause = _network_cause(exc)
        chain = _chain_text(exc)
        if (
            isinstance(cause, socket.gaierror)
            or "name or service not known" in chain
            or "getaddrinfo" in chain
        ):
            kind, message = ErrorKind.CONNECTION, f"Could not find the host {host} (DNS lookup failed)."
        elif isinstance(cause, ConnectionRefusedError) or "refused" in chain:
            kind, message = ErrorKind.CONNECTION, f"Could not connect to {host}: the connection was refused."
        elif isinstance(cause, ssl.SSLError) or "ssl" in chain or "certificate" in chain:
            kind, message = ErrorKind.CONNECTION, f"The secure (TLS) connection to {host} failed."
        elif partial:
            kind, message = (
                ErrorKind.STREAM,
                (
                    f"The connection to {host} broke off in the middle of the answer; the partial answer is kept."
                ),
            )
        else:
            kind, message = ErrorKind.CONNECTION, f"Could not talk to {host}: the connection failed."
    elif isinstance(exc, openai.APIError):
        # An ``{"error": …}`` object sent as a data line of the stream.
        said, code = _body_fields(exc.body, exc.message)
        code_note = f" (code {code})" if code is not None else ""
        kind = ErrorKind.STREAM
        message = f"The server reported an error during the answer{code_note}: {_readable(said)}"
    elif isinstance(exc, LineTooLong):
        kind = ErrorKind.STREAM
        message = f"{host} sent {exc} in one stream event (the limit), so the answer was stopped" + (
            "; the partial answer is kept." if partial else "."
        )
    elif isinstance(exc, ValueError):  # json.JSONDecodeError and pydantic's validation errors
        kind = ErrorKind.STREAM
        message = f"{host} sent data that is not a valid SiliconFlow stream: {_readable(str(exc), 120)}"
    else:
        kind = ErrorKind.OTHER
        message = f"Unexpected error talking to {host}: {type(exc).__name__}: {_readable(str(exc))}"
    message += trace_note(trace_id)
    return Failed(redact(message, secret), kind, status=status, trace_id=trace_id, partial=partial)
