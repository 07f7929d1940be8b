"""Time claims: when a party says something happened earlier than it was recorded."""
