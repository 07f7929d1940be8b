"""A contract registered for governance: which client and vendor it binds, and its terms."""
