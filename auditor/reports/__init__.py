"""Exports of a case for an advocate, a platform or the police: JSON, Timesketch CSV, HTML and PDF."""
