"""Monthly statements as shared records: stored, issued, disputed, approved, final, corrected."""
