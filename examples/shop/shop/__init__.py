"""A small shop that uses feature flags."""
