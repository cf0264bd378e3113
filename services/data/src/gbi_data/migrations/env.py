"""Alembic environment of the data service: the same migrations for SQLite (batch mode) and PostgreSQL.

Run them with ``python -m gbi_data.migrate`` (upgrade to head, then seed). Programmatic callers pass an open
connection in ``config.attributes["connection"]``; otherwise the URL comes from ``GBI_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from gbi_data.alo import models as _alo_models  # noqa: F401  (registers the ALO tables on Base)
from gbi_data.betaalrun import models as _betaalrun_models  # noqa: F401  (and those of the betaalrun)
from gbi_data.database import create_db_engine, normalise_url
from gbi_data.interactie import models as _interactie_models  # noqa: F401  (and those of the web pages)
from gbi_data.models import Base
from gbi_data.notificaties import models as _notificatie_models  # noqa: F401  (and those of notificaties)
from gbi_data.settings import get_settings
from gbi_data.signalen import models as _signaal_models  # noqa: F401  (and those of signal intake)

config = context.config
target_metadata = Base.metadata
if "app_role" not in config.attributes:
    # The role that revision 0002 creates and grants to on PostgreSQL (GBI_DATABASE_APP_ROLE).
    config.attributes["app_role"] = get_settings().database_app_role


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = normalise_url(get_settings().database_url)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.get_backend_name() == "sqlite",
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    shared = config.attributes.get("connection")
    if isinstance(shared, Connection):
        _configure(shared)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(get_settings(), for_migrations=True)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
