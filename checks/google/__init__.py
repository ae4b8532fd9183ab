"""Checks of a Google account: Gmail forwarding, filters, delegates, POP/IMAP and send-as; Drive sharing of photos
and videos; Workspace Admin SDK reads for administrators."""
