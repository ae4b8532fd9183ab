"""Advocate session mode, headless: intake with consent, a proposed order of checks, notes kept in the
encrypted case, the access map, and safety-planning prompts before steps the other person could notice."""
