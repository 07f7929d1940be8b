"""Monthly settlement: tiers, pools and caps, earn-back, cure, chronic breach, statements."""
