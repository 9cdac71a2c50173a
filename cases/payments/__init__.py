"""Payments: recorded by staff or the creditor, reversed with their fees; (next) card, Bizum, direct debit and bank statements."""
