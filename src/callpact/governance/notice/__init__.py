"""Breach notices and the client's cure decisions: grant a cure period, waive it, extend it."""
