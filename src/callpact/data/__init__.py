"""Interaction data: the interchange schema, row validation, the workspace, vendor adapters."""
