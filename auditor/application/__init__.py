"""The application layer: what the command line and the app both do, written once.

``auditor/cli`` and ``auditor/tui`` call these functions and never the engine, the connectors or the store's
insides directly. Each module holds one idea; import the module you need (this package imports nothing, so
the app's first frame and ``auditor --help`` load none of it):

- :mod:`~auditor.application.cases` — open, unlock or create a case; the practice case.
- :mod:`~auditor.application.checks` — every check (automated and guided), their titles and kinds.
- :mod:`~auditor.application.kinds` — which kinds of account and device an audit reads.
- :mod:`~auditor.application.auditing` — run an audit plan, audit into a case, check one thing again,
  with progress reported through a callback.
- :mod:`~auditor.application.accounts` — register the accounts and devices an audit's findings name.
- :mod:`~auditor.application.answers` — the person's answers: "Is this yours?" and guided questions.
- :mod:`~auditor.application.signin` — connect, list and forget accounts (the providers' sign-in).
- :mod:`~auditor.application.practice` — the practice servers and what an audit of them reads.
- :mod:`~auditor.application.sessions` — an advocate session's plan over every check.
"""
