"""Search everywhere: one box that finds cases by reference, debtor, tax id, invoice number, phone or email."""
