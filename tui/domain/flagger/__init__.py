"""Flagger's vocabulary: message wording, weights, hashes, webhook payloads and the logger's output."""
