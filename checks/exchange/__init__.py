"""Checks of an Exchange (on-premises) mailbox read through EWS: inbox rules, delegates, automatic replies."""
