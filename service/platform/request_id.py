"""An X-Request-ID on every response, the caller's when it is sane, else a new one.

The id is kept in `flask.g.request_id`, where the log filter (service/platform/logs.py) finds it, so
every log line of a request carries it, and gunicorn's access line reads it off the response.
"""

from __future__ import annotations

import os
import re

from flask import Flask, g, request

from service.platform.logs import REQUEST_ID_HEADER

# What a proxy or a client tool sends (UUIDs, hex, dotted trace ids); anything else, such as
# text that would forge log lines or swell them, is replaced rather than echoed.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return os.urandom(16).hex()


def _assign_request_id() -> None:
    given = request.headers.get(REQUEST_ID_HEADER)
    g.request_id = given if given is not None and _SANE_REQUEST_ID.fullmatch(given) else new_request_id()


def _echo_request_id(response):
    request_id = g.get("request_id")
    if request_id is None:  # a hook that ran before ours failed the request
        request_id = g.request_id = new_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    """Register first, so that every other hook, refusal and log line sees the id."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
