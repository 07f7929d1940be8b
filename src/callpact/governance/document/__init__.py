"""Documents the contract leaves to be written, with due dates."""
