"""The statutory rates admins add as they are published, over the table shipped in legal.rules.jurisdictions."""
