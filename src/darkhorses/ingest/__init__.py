"""Fetch: turning API payloads into rows, one work unit at a time."""
