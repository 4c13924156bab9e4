"""While developing (`make run` starts it beside the server): every --interval seconds, what the production timer
runs every minute (docs/deploy.md): the moderators' batched notice, then the outbox (recovery links, retries).
Production keeps the timer: this loop is one more process to watch, and a timer survives restarts on its own.

The commands are called by name: the moderators' notice lives in comments/, which mail/ must not import."""

import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

# The production timer's commands, in its order (a notice queued by the first is sent by the second).
EVERY_ROUND = ["send_moderator_notices", "send_outbox"]


class Command(BaseCommand):
    help = "Development: send the moderators' notices and the outbox every few seconds, until stopped."

    def __init__(self, *args, sleep=time.sleep, **kwargs):
        super().__init__(*args, **kwargs)
        self.sleep = sleep  # tests pass their own: nothing waits

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5, help="seconds between rounds (default 5)")
        parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (default: never)")

    def handle(self, *args, interval, rounds, **options):
        self.stdout.write(f"Mail sender: {', '.join(EVERY_ROUND)} every {interval:g} s.")
        done = 0
        try:
            while True:
                self.run_round()
                done += 1
                if rounds and done >= rounds:
                    return
                self.sleep(interval)
        except KeyboardInterrupt:
            pass  # Ctrl+C under `make run`: stop quietly with the server

    def run_round(self):
        # As before each request: a connection the database closed is not reused (never one inside a transaction,
        # as when a caller, or a test, runs the round in one).
        if not connection.in_atomic_block:
            close_old_connections()
        for name in EVERY_ROUND:
            try:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            except Exception:
                # Logged, and tried again next round: a sender that died would silently stop all mail.
                logger.exception("Mail sender: %s failed", name)
