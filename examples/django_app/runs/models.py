"""What the app stores: each requested square and the run that computes it."""

import uuid

from django.db import models


class Square(models.Model):
    """A request to square ``number``; the run starts once this row is committed."""

    number = models.IntegerField()
    # Sent as the run's idempotency key: repeating the start with it (within 24 hours)
    # returns the same run, so a start that failed after the commit can be retried safely.
    start_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
