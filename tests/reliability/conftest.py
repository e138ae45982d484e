"""Fixtures of the reliability tests: ``twin`` runs a test with both clients."""

from tests.reliability._twins import twin

__all__ = ["twin"]
