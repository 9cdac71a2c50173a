"""Persistence of the legal hand-off (filled by the legal issue)."""
