"""Bank statements and direct debits: the bank's files read (Norma 43, camt.053) and their lines matched to cases."""
