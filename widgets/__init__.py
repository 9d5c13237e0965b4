"""canaryscope's panels: each renders a slice of AppState and never talks to a cluster or a clock."""
