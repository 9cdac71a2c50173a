"""The case lifecycle: debtors, cases, invoices, evidence, stages, contacts, payments, queue."""
