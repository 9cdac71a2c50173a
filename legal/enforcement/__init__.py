"""Enforcement of a decree or judgment: the debtor's assets, the request (LEC 549), what attachments yield, the costs claim."""
