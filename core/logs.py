"""Log formatting (settings.LOGGING)."""

import copy
import logging


def is_client_error(record):
    """A refused request (4xx), or any record of django.security: a bad Host, a CSRF failure, too many fields."""
    status = getattr(record, "status_code", None)
    if status is not None:
        return status < 500
    return record.name == "django.security" or record.name.startswith("django.security.")


class OneLineClientErrorFormatter(logging.Formatter):
    """Refused requests are logged on one line, without the traceback Django attaches: anyone can cause them,
    by the thousand, and the traceback says nothing the message does not. Errors (5xx) keep theirs."""

    def format(self, record):
        if is_client_error(record) and (record.exc_info or record.exc_text or record.stack_info):
            # A copy: other handlers (an error tracker) still get the traceback.
            record = copy.copy(record)
            record.exc_info = record.exc_text = record.stack_info = None
        return super().format(record)
