"""The audit trail: every change, hash-chained, and a verifier that replays it."""
