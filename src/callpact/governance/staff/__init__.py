"""The program's roster: who works on it, in which role, with which qualifications."""
