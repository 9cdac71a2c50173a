"""The conversation between the creditor and the agency on a case: messages with files, each creditor question answered within two business days."""
