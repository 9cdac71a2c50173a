"""Notifications: an in-app list (the bell) and an email digest per user and kind, told of their cases' events."""
