"""Adapters that run the sieve on existing distributed engines (Ray Data; Spark optional).

Each engine lives in its own module and imports its engine only there, so ``import
logsieve`` never needs Ray or Spark:

    from logsieve.engines.ray import classify_dataset, classify_files
"""
