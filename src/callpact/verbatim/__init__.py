"""Verbatim fidelity: does the customer's own voice reach the client?"""
