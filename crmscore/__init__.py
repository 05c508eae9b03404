"""crmscore: customer-relationship scores for the CRMs people already run.

The package holds the glue between the stages (CLI, the scoring job, config versions); each stage
lives in its own top-level package following the data flow: ``connector`` → ``store`` →
``scoring`` → ``store`` → ``graphql_api``.
"""

__version__ = "0.1.0"
