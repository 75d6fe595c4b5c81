"""What the errors mean: known faults, their matching, and the errors grouped."""
