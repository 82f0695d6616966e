"""Alembic environment: runs on the connection handed over by models.db.migrate()."""
from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata
connection = config.attributes.get("connection")

if connection is None:  # `alembic` CLI use: build an engine from the URL in the environment
    from sqlalchemy import create_engine

    from models.db import normalise_url
    from models.settings import get_settings

    connectable = create_engine(normalise_url(get_settings().database_url))
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
