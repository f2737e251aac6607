"""Tortoise ORM models, one module per domain."""
