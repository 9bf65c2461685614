"""State changes of the accounts app: mail, invitations, people."""
