"""The debtor's door: signed links, proof of identity without an account, what is owed, paying online, plans
within the creditor's rules, disputes and call-backs (DESIGN.md "The debtor's door")."""
