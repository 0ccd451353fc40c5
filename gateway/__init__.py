"""The LearnPulse GraphQL gateway: one endpoint over subgraphs and risk."""
