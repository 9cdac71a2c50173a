"""The French and Portuguese court requests: the injonction de payer request (the Cerfa's data) and the injunção batch file."""
