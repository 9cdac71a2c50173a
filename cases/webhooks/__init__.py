"""Webhooks for creditors' systems: endpoints per organisation, signed deliveries of their cases' events, retried and replayed."""
