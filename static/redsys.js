// The debtor's way to Redsys's payment page: the signed form goes by itself (its button stays for browsers without
// JavaScript). A file of its own: the Content-Security-Policy runs no inline script.
document.getElementById("redsys-form").submit();
