"""The offline end-to-end demo: forgesim, a seeded university, a Celery sync, credit with reasons."""
