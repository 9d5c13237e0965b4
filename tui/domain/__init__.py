"""What canaryscope knows: the model, observations, state and the pure reducer, derived facts, names,
wording and narration. Imports nothing above it."""
