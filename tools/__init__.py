"""Developer tools (not shipped to Lambda)."""
