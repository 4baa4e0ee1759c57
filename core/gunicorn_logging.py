"""gunicorn's logger, with reset and invitation tokens redacted (core/logs.py), and JSON
lines when LOG_FORMAT is json (as settings.LOGGING decides it: the default with DEBUG off).

gunicorn.conf.py names it as logger_class, so the access log ("GET /accounts/reset/…") and
the error log ("Error handling request /accounts/reset/…") never print a token. A filter on
the two loggers, rather than a narrower --access-logformat, because the token is in the path
itself, which the request line, the path and the referrer atoms all carry.

In JSON, an access line has fixed fields: method, path (without its query string, which
could carry whatever was typed into a search), status, duration, bytes, and the request id
the application sent back, so it joins the application's own lines for that request.
"""

import os

from gunicorn.glogging import Logger as BaseLogger

from core.logs import JSONFormatter, RedactTokens


def _json() -> bool:
    value = os.environ.get("LOG_FORMAT", "")
    if value:
        return value == "json"
    return os.environ.get("DEBUG", "").strip().lower() not in {"1", "true", "yes", "on"}


class Logger(BaseLogger):
    def setup(self, cfg):
        super().setup(cfg)
        self.json = _json()
        # setup() runs again on a configuration reload (HUP): add the filter once.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactTokens) for f in log.filters):
                log.addFilter(RedactTokens())
            if self.json:
                for handler in log.handlers:
                    handler.setFormatter(JSONFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.json:
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return
        request_id = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"), None
        )
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        fields = {
            "method": req.method,
            "path": req.path,
            "status": int(status),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "bytes": getattr(resp, "sent", None),
            "remote": environ.get("REMOTE_ADDR"),
            "request_id": request_id,
        }
        self.access_log.info("%s %s %s", req.method, req.path, status, extra=fields)
