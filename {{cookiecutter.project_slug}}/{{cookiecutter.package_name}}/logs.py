"""Logs to standard output, one JSON object a line: what container platforms
and log collectors read without a parser of their own."""

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, has_request_context, request


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = request.path
            entry["remote_addr"] = request.remote_addr
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def register_logging(app: Flask) -> None:
    """In production, the app's log as JSON lines on standard output (Flask's
    own handler writes plain text to standard error, for development)."""
    app.logger.setLevel(app.config["LOG_LEVEL"])
    if not app.config["PRODUCTION"]:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JSONFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.propagate = False
