"""Organizations (client, vendor), their users and roles, and who may do what."""
