"""Business rules. Services change the session and may flush; the caller commits once."""
