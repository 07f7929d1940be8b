"""Disputes on statement lines and their resolution."""
