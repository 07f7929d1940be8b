"""Incidents and non-standard situations, their reporting clock and liability."""
