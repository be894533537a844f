"""search index keyed term first; search version

The term index is rebuilt keyed (term, resource_id) — clustered without rowid on SQLite, covering the weight on
PostgreSQL — so that a search reads each term's postings as one range. Resources carry the search version that last
changed them, and ``catalog_search_state`` holds the current one (see ``tongban.catalog.search_store``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _terms_table(name: str, key: tuple[str, str], clustered: bool) -> None:
    op.create_table(name,
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resources.id'], name=op.f('fk_catalog_terms_resource_id_catalog_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint(*key, name=op.f('pk_catalog_terms'), **({'postgresql_include': ['weight']} if clustered else {})),
    **({'sqlite_with_rowid': False} if clustered else {}),
    )


def _rebuild_terms(key: tuple[str, str], clustered: bool) -> None:
    """Recreate catalog_terms with the given key, keeping every row (index names are global on PostgreSQL, so the
    rows wait in a plain copy while the old table and its constraints are dropped)."""
    op.execute("CREATE TABLE catalog_terms_copy AS SELECT term, resource_id, weight FROM catalog_terms")
    op.drop_table('catalog_terms')
    _terms_table('catalog_terms', key, clustered)
    op.execute("INSERT INTO catalog_terms (term, resource_id, weight) "
               "SELECT term, resource_id, weight FROM catalog_terms_copy ORDER BY term, resource_id")
    op.drop_table('catalog_terms_copy')


def upgrade() -> None:
    _rebuild_terms(('term', 'resource_id'), clustered=True)
    op.create_index('ix_catalog_terms_resource_term', 'catalog_terms', ['resource_id', 'term'], unique=False)

    # Plain ALTERs, never a batch table copy: on SQLite copying catalog_resources would drop the old table, and its
    # ON DELETE CASCADE would empty the items, versions and terms with it.
    op.add_column('catalog_resources', sa.Column('search_version', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_catalog_resources_search_version'), 'catalog_resources', ['search_version'], unique=False)

    state = op.create_table('catalog_search_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_search_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('catalog_search_state')
    op.drop_index(op.f('ix_catalog_resources_search_version'), table_name='catalog_resources')
    op.execute("ALTER TABLE catalog_resources DROP COLUMN search_version")  # SQLite ≥ 3.35 and PostgreSQL

    op.drop_index('ix_catalog_terms_resource_term', table_name='catalog_terms')
    _rebuild_terms(('resource_id', 'term'), clustered=False)
    op.create_index('ix_catalog_terms_term', 'catalog_terms', ['term', 'resource_id'], unique=False)
