"""The ``render_sdk`` logger, and a filter that keeps secrets out of log records."""

from __future__ import annotations

import logging

__all__ = ["SecretFilter", "logger"]

logger = logging.getLogger("render_sdk")


class SecretFilter(logging.Filter):
    """Replace every occurrence of the given secrets in a record's message with ``***``."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
