"""traces domain."""
