"""The catalog subgraph: courses of micro-learning units and the learning paths that bundle them."""
