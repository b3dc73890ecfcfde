"""row-level security: the second wall under the ORM scoping hook

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

PostgreSQL only (SQLite has no RLS: there the ORM hook in tenants/scoping.py is the only wall).

Trust model. Two roles:
- the owner: whoever runs the migrations. It owns every table, so it can ALTER and DROP them; it is
  still subject to the policies (FORCE ROW LEVEL SECURITY) unless it is a superuser.
- `runxin_app`: what the API and the workers connect as (RUNXIN_DATABASE_URL in production). It
  owns nothing, has no BYPASSRLS, and gets plain DML on the tables (append-only on the audit log).
  Created NOLOGIN here; an operator gives it a password and LOGIN (see the README).

Each transaction says who it works for in two settings, set with `set_config(..., true)` (local to
the transaction) by the `after_begin` listener of tenants/scoping.py, from `bind_principal()` or
`as_system()`:
- `runxin.tenant_path`: the principal's materialised path (`/<city>/<county>/`);
- `runxin.system` = 'on': a system job (seeding, background jobs) sees every tenant.
Only the application sets them; the database trusts them as it trusts the application's login.
RLS does not defend against an attacker who runs arbitrary SQL as runxin_app (they could set the
settings themselves); it defends against the application's own mistakes: Core or text SQL the ORM
hook cannot see, a forgotten filter, a pooled connection used after its transaction.

Fail closed. The settings are read as `nullif(current_setting(name, true), '')`: a setting that was
never made is NULL (missing_ok), and one that was made in an earlier transaction on a pooled
connection has been reset to '' at its end, which nullif also turns into NULL. Every comparison
with NULL is unknown, so such a transaction sees no row and may write none.

Why these predicates are index-friendly. A tenant's subtree is one range of `tenant.path`
(fixed-width segments, collation "C", unique B-tree index uq_tenant_path): [path, path[:-1] || '0').
`runxin_scope_path()` and `runxin_scope_upper()` are STABLE SQL functions (inlined by the planner),
so they are evaluated once per scan and serve as index keys, not per-row filters.
- Tenant-owned tables: `tenant_id = ANY (ARRAY(SELECT id FROM tenant WHERE path in the range))`.
  The ARRAY(...) sub-select is uncorrelated: it runs once as an InitPlan (a range scan of
  uq_tenant_path) and the outer condition is an index condition on ix_<table>_tenant_id. The more
  obvious `tenant_id IN (SELECT ...)` is not turned into a semi-join inside a security qual and
  ends up as a per-row `hashed SubPlan` filter over a sequential scan.
- System mode is folded into the same range (scope path '/', which every path starts with) rather
  than OR-ed in beside it: `setting = 'on' OR <range>` is not indexable.
- Tenant table: reads see the subtree (the same range) plus the strict ancestors (`path = ANY(...)`,
  the prefixes of the scope path: equality probes of the same index), as tenants/scoping.py allows;
  writes are limited to the subtree (a school may read its county's name, never change it).

The table lists are fixed here, not read from the models: a migration must build the same schema
whatever the model code says later. tests/integration/test_rls.py fails when a tenant-owned model's
table has no policy, so a new tenant-owned table needs a migration that adds it.
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

APP_ROLE = "runxin_app"

# Every tenant-owned table (TenantOwned models) at this revision, plus the parent-link history,
# which is keyed by tenant_id the same way.
TENANT_KEYED = (
    "api_client",
    "centre_activity",
    "counselling_centre",
    "hotline",
    "hotline_call_count",
    "school_enrolment",
    "school_profile",
    "staff",
    "station",
    "target",
    "tenant_parent_link",
    "training_attendance",
    "training_programme",
    "training_session",
)
# Append-only for the application (revision 0002): it may write and read entries, never change them.
AUDIT_TABLE = "audit_event"

# One statement per execute: asyncpg prepares each one, and a prepared statement holds one command.
FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION runxin_scope_path() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN current_setting('runxin.system', true) = 'on' THEN '/'
                ELSE nullif(current_setting('runxin.tenant_path', true), '') END
$$""",
    """COMMENT ON FUNCTION runxin_scope_path() IS
    'The path whose subtree this transaction may see: NULL (nothing) unless the application set it.'""",
    """CREATE OR REPLACE FUNCTION runxin_scope_upper() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT left(runxin_scope_path(), -1) || '0'
$$""",
    """COMMENT ON FUNCTION runxin_scope_upper() IS
    'The least string above every path of the subtree (runxin.platform.tree.paths.upper_bound).'""",
    """CREATE OR REPLACE FUNCTION runxin_scope_ancestor_paths() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(left(p, k) ORDER BY k), '{}')
    FROM (SELECT runxin_scope_path() AS p) AS scope, generate_series(2, length(p) - 1) AS k
    WHERE substr(p, k, 1) = '/'
$$""",
    """COMMENT ON FUNCTION runxin_scope_ancestor_paths() IS
    'Paths of the strict ancestors of the scope path, root first (none for NULL or system).'""",
    "REVOKE ALL ON FUNCTION runxin_scope_path(), runxin_scope_upper(), runxin_scope_ancestor_paths() FROM PUBLIC",
)

SUBTREE = 'path >= runxin_scope_path() AND path < runxin_scope_upper()'
OWNED_BY_SUBTREE = (
    "tenant_id = ANY (ARRAY(SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()))"
)


def _create_app_role() -> None:
    # Roles belong to the cluster, not the database: several databases (and concurrent test runs)
    # share it, so creation tolerates a role that appeared meanwhile, and the role is never dropped.
    op.execute(f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        BEGIN
            CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}' AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role {APP_ROLE} is a superuser or has BYPASSRLS: row-level security would not apply to it'
            USING HINT = 'ALTER ROLE {APP_ROLE} NOSUPERUSER NOBYPASSRLS, then migrate again.';
    END IF;
END
$$""")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _create_app_role()
    for statement in FUNCTIONS:
        op.execute(statement)
    op.execute(f"GRANT USAGE ON SCHEMA {_schema()} TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION runxin_scope_path(), runxin_scope_upper(), runxin_scope_ancestor_paths() TO {APP_ROLE}")
    # `runxin serve` checks the revision before it starts; reading it is harmless.
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")

    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON tenant TO {APP_ROLE}")
    op.execute("ALTER TABLE tenant ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenant FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_read ON tenant FOR SELECT USING (({SUBTREE}) OR path = ANY (runxin_scope_ancestor_paths()))")
    op.execute(f"CREATE POLICY tenant_insert ON tenant FOR INSERT WITH CHECK ({SUBTREE})")
    op.execute(f"CREATE POLICY tenant_update ON tenant FOR UPDATE USING ({SUBTREE}) WITH CHECK ({SUBTREE})")
    op.execute(f"CREATE POLICY tenant_delete ON tenant FOR DELETE USING ({SUBTREE})")

    for table in TENANT_KEYED:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_subtree ON {table} USING ({OWNED_BY_SUBTREE}) WITH CHECK ({OWNED_BY_SUBTREE})")

    op.execute(f"""
DO $$
BEGIN
    IF to_regclass('{AUDIT_TABLE}') IS NOT NULL THEN
        GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {APP_ROLE};
    END IF;
END
$$""")
    # Tables use UUID keys today; a future serial column must not need a migration of grants.
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_schema()} TO {APP_ROLE}")
    # No views exist. A view runs with its owner's rights and so skips RLS: any view added later
    # must be created WITH (security_invoker = true).


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(TENANT_KEYED):
        op.execute(f"DROP POLICY IF EXISTS {table}_subtree ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    for policy in ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON tenant")
    op.execute("ALTER TABLE tenant NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenant DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON tenant FROM {APP_ROLE}")
    op.execute(f"""
DO $$
BEGIN
    IF to_regclass('{AUDIT_TABLE}') IS NOT NULL THEN
        REVOKE ALL ON {AUDIT_TABLE} FROM {APP_ROLE};
    END IF;
END
$$""")
    op.execute(f"REVOKE ALL ON alembic_version FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA {_schema()} FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA {_schema()} FROM {APP_ROLE}")
    op.execute("DROP FUNCTION IF EXISTS runxin_scope_ancestor_paths(), runxin_scope_upper(), runxin_scope_path()")
    # The role stays: it is cluster-wide and other databases may use it.


def _schema() -> str:
    return op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
