"""Full-text, semantic and hybrid search over a user's mail; vector storage for the embed stage."""
