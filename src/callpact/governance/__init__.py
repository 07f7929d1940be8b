"""Governance records in the relational database: staff, training, incidents, plans, audit."""
