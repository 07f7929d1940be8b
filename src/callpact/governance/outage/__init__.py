"""Declared outages: the vendor declares them in its delivery, the client accepts or rejects."""
