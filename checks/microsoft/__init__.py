"""Checks of a Microsoft account read through Graph: Outlook inbox rules, OneDrive sharing of photos and videos, and
for work or school accounts sign-in methods and app grants."""
