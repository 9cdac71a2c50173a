"""The creditor's home: the decisions waiting for them first, then how their money is doing (the portfolio at a glance)."""
