"""Checks of an iPhone, over USB or from a backup: stalkerware and dual-use apps, sideloaded apps, jailbreak,
profiles, device management, Developer Mode, iCloud Backup, iOS updates."""
