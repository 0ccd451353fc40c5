"""The LearnPulse data-science workbench: trajectory datasets, a synthetic learning world,
features shared with the risk service, labels, training and the MLflow registry.
"""
