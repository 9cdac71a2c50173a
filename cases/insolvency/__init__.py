"""Insolvency watch: a debtor in concurso (court, BOE publication, administrator): contact and enforcement stop, the creditor is told."""
