"""Checks of an Android phone read over adb: stalkerware packages and signing certificates, apps with powerful
access, sideloaded and dual-use apps, protection settings."""
