"""Alembic environment: the engine comes from the caller (`service.persistence.database.migrate`)."""

from alembic import context

from service.persistence.tables import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
