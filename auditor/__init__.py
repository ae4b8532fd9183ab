"""auditor: find and close the access paths an abuser can use into a person's accounts and devices.

The core under this package is headless: nothing here except :mod:`auditor.tui` imports textual.
"""

__version__ = "0.1.0"
