"""A request id for every call (the caller's `x-request-id`, or a new one), echoed back in
the initial metadata, carried by every log record of the call, and one access-log line."""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

REQUEST_ID_HEADER = "x-request-id"
RISK_SERVICE_PREFIX = "/learnpulse.risk.v1.RiskService/"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
log = logging.getLogger("services.risk.access")


class RequestIdFilter(logging.Filter):
    """Stamps records with the current call's request id (threads inherit it via to_thread)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


CallObserver = Callable[[str, str, float], None]  # method, status code name, seconds


class RequestIdInterceptor(grpc.aio.ServerInterceptor):
    """`on_call` hears of every finished call (the metrics' latency histogram)."""

    def __init__(self, on_call: CallObserver | None = None) -> None:
        self.on_call = on_call

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method: str = details.method  # type: ignore[attr-defined]
        given = dict(details.invocation_metadata or ()).get(REQUEST_ID_HEADER)  # type: ignore[attr-defined]
        rid = given if isinstance(given, str) and 0 < len(given) <= 128 else uuid.uuid4().hex
        # Health probes and reflection are frequent and dull: log them at debug only.
        level = logging.INFO if method.startswith(RISK_SERVICE_PREFIX) else logging.DEBUG

        if handler.unary_unary is not None:
            inner = handler.unary_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                token, started = _begin(rid), time.perf_counter()
                await context.send_initial_metadata(((REQUEST_ID_HEADER, rid),))
                try:
                    return await inner(request, context)
                finally:
                    _end(level, method, context, started, self.on_call)
                    request_id.reset(token)

            return grpc.unary_unary_rpc_method_handler(
                unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_stream is not None:
            inner_stream = handler.stream_stream

            async def stream(
                requests: Any, context: grpc.aio.ServicerContext
            ) -> AsyncIterator[Any]:
                token, started = _begin(rid), time.perf_counter()
                await context.send_initial_metadata(((REQUEST_ID_HEADER, rid),))
                try:
                    async for response in inner_stream(requests, context):
                        yield response
                finally:
                    _end(level, method, context, started, self.on_call)
                    request_id.reset(token)

            return grpc.stream_stream_rpc_method_handler(
                stream, handler.request_deserializer, handler.response_serializer
            )
        return handler


def _begin(rid: str) -> contextvars.Token[str | None]:
    return request_id.set(rid)


def _end(
    level: int,
    method: str,
    context: grpc.aio.ServicerContext,
    started: float,
    on_call: CallObserver | None,
) -> None:
    code = context.code()
    name = code.name if isinstance(code, grpc.StatusCode) else "OK"
    seconds = time.perf_counter() - started
    if on_call is not None:
        on_call(method, name, seconds)
    log.log(
        level,
        "call",
        extra={
            "request_id": request_id.get(),
            "method": method,
            "code": name,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
