"""Simulator plumbing: tool discovery, builds, lint, synthesis."""
