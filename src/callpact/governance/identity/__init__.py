"""Who is asking: sign-in with throttling, tokens hashed at rest, the password policy."""
