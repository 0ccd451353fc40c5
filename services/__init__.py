"""LearnPulse services: the catalog and progress GraphQL subgraphs and the risk gRPC service."""
