"""Fast JSON responses: Flask's JSON provider backed by orjson.

Responses of the ranking endpoints are a few kilobytes of floats; the standard
encoder cost more per request than the ranking itself (docs/benchmarks.md).
orjson writes the same JSON (shortest round-trip floats, UTF-8) and refuses NaN
by writing null, which the engine never produces.
"""

from __future__ import annotations

import orjson
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=self.default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        return self._app.response_class(body, mimetype=self.mimetype)
