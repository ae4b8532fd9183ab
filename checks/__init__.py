"""Every automated check, one module each, by provider: checks/<provider>/<leaf>.py holds the check whose ID
is ``<provider>.<leaf>``. Guided checks are data beside them: checks/<provider>/guided.yaml.

This folder is installed as ``auditor.checks`` (pyproject.toml's package-dir) and is only ever imported by that
name; the engine discovers the modules (auditor/engine.py). CONTRIBUTING.md says how to add a check.
"""
