"""Widgets of the app. Everything a provider or an attacker controls is rendered as rich.text.Text."""
