"""What every `canaryscope` command shares: one-line usage errors, durations, NAMESPACE/NAME, the subcommands."""
