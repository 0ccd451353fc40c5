"""The risk service: attrition and stall scores over gRPC from LightGBM champions in MLflow."""
