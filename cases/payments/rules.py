"""What a payment may be (pure)."""
from __future__ import annotations

# How the money came; to_creditor: the debtor paid the creditor directly (the agency's fee is still earned);
# court_attachment: what an attachment yielded, paid out by the court (legal.enforcement).
PAYMENT_METHODS = ("transfer", "card", "bizum", "cash", "direct_debit", "cheque", "to_creditor", "other", "court_attachment")
