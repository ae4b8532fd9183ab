"""The remediation playbooks, one YAML file each, named by the playbook's ID. No code lives here: this marker
lets the folder be installed as ``auditor.playbooks.data`` and read by :mod:`auditor.playbooks`."""
