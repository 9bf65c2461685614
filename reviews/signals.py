"""Signals other apps may listen to (the accounts app sends mail on them)."""

from django.dispatch import Signal

# Sent after a deduplication run failed; kwargs: review_id, error.
dedup_failed = Signal()
