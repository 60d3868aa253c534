"""site stage: many pages at once."""
