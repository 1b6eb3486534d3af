"""Small pure functions that turn what pages show into the schema's values."""
