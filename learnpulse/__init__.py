"""LearnPulse: measurable corporate training. This package holds the small shared kernel
(settings, auth, logging, Mongo connection) and the `learnpulse` command line."""
