"""canaryscope: watch and drive Flagger canary rollouts in the terminal."""

__version__ = "0.1.0"
