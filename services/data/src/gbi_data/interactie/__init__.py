"""What the web pages of the interaction layer store: web sessions and a citizen's drafts (migration 0009)."""
