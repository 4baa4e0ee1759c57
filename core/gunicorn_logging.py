"""gunicorn's logger, with reset and invitation tokens redacted (core/logs.py).

gunicorn.conf.py names it as logger_class, so the access log ("GET /accounts/reset/…") and
the error log ("Error handling request /accounts/reset/…") never print a token. A filter on
the two loggers, rather than a narrower --access-logformat, because the token is in the path
itself, which the request line, the path and the referrer atoms all carry.
"""

from gunicorn.glogging import Logger as BaseLogger

from core.logs import RedactTokens


class Logger(BaseLogger):
    def setup(self, cfg):
        super().setup(cfg)
        # setup() runs again on a configuration reload (HUP): add the filter once.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactTokens) for f in log.filters):
                log.addFilter(RedactTokens())
