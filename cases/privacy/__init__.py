"""The debtor's data rights (GDPR arts. 15-17): export what is held, rectify it, erase it where no legal hold applies; retention."""
