"""The progress subgraph: learners, their enrollments, learning events and computed progress."""
