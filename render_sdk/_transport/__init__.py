"""HTTP transports: one small interface, one adapter per HTTP library."""
