"""The legal hand-off: jurisdictions, procedures, documents, filings and deadlines."""
