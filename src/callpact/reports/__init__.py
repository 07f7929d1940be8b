"""Statements as the documents people approve: HTML and PDF, with charts."""
