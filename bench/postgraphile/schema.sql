-- What PostGraphile serves in bench/compare.py: the schema `postgraphile_bench`, views over Runxin's
-- own tables and computed-column functions, so both servers answer from the same stored rows.
--
-- The shape is the one PostGraphile's documentation recommends for reads like these: simple views
-- (inlined by the planner) with smart tags for keys and relations, and STABLE SQL functions taking
-- the row as "computed columns" (PostGraphile inlines them as subqueries of its one statement).
-- Indicators and credits read the rollup table `aggregate`, as Runxin does when its figures are
-- settled; staff counts count `staff` rows, as Runxin does. Re-runnable: compare.py applies it on
-- every run (DROP ... CASCADE, then CREATE), so an edit here always takes effect.

DROP SCHEMA IF EXISTS postgraphile_bench CASCADE;
CREATE SCHEMA postgraphile_bench;

CREATE VIEW postgraphile_bench.tenant AS
    SELECT id, code, name, kind, parent_id, path, depth FROM public.tenant;
COMMENT ON VIEW postgraphile_bench.tenant IS E'@primaryKey id\n@unique code\n@omit create,update,delete\n'
    '@foreignKey (parent_id) references postgraphile_bench.tenant (id)|@fieldName parent|@foreignFieldName children';

CREATE VIEW postgraphile_bench.station AS
    SELECT id, tenant_id, name, kind, status, opened_on, area_m2, weekly_open_hours FROM public.station;
COMMENT ON VIEW postgraphile_bench.station IS E'@primaryKey id\n@omit create,delete\n'
    '@foreignKey (tenant_id) references postgraphile_bench.tenant (id)|@fieldName tenant|@foreignFieldName stations';

CREATE VIEW postgraphile_bench.staff AS
    SELECT id, tenant_id, kind, name, gender, birth_date, phone, active FROM public.staff;
COMMENT ON VIEW postgraphile_bench.staff IS E'@primaryKey id\n@omit create,update,delete\n'
    '@foreignKey (tenant_id) references postgraphile_bench.tenant (id)|@fieldName tenant|@foreignFieldName staff';

-- Runxin's staffCounts: active staff per kind of the tenant's subtree (a school's subtree is itself).
CREATE TYPE postgraphile_bench.staff_counts AS (
    full_time integer, part_time integer, hired_counsellors integer, homeroom_teachers integer, total integer
);
CREATE FUNCTION postgraphile_bench.tenant_staff_counts(t postgraphile_bench.tenant)
RETURNS postgraphile_bench.staff_counts LANGUAGE sql STABLE AS $$
    SELECT count(*) FILTER (WHERE s.kind = 'FULL_TIME')::int,
           count(*) FILTER (WHERE s.kind = 'PART_TIME')::int,
           count(*) FILTER (WHERE s.kind = 'HIRED_COUNSELLOR')::int,
           count(*) FILTER (WHERE s.kind = 'HOMEROOM')::int,
           count(*)::int
    FROM public.staff s
    WHERE s.active AND s.tenant_id = ANY (ARRAY(
        SELECT u.id FROM public.tenant u
        WHERE u.path >= t.path AND u.path < substr(t.path, 1, length(t.path) - 1) || '0'))
$$;
COMMENT ON FUNCTION postgraphile_bench.tenant_staff_counts(postgraphile_bench.tenant) IS '@notNull';

-- Runxin's indicators(codes:, year:): the stored figures of the tenant's subtree.
CREATE TYPE postgraphile_bench.indicator_value AS (
    indicator text, numerator double precision, denominator double precision, value double precision,
    state text, units_total integer, units_not_reported integer
);
CREATE FUNCTION postgraphile_bench.tenant_indicators(t postgraphile_bench.tenant, codes text[], year integer)
RETURNS SETOF postgraphile_bench.indicator_value LANGUAGE sql STABLE AS $$
    SELECT a.indicator, a.numerator, a.denominator, a.value, a.state, a.units_total, a.units_not_reported
    FROM public.aggregate a
    WHERE a.tenant_id = t.id AND a.year = $3 AND a.indicator = ANY ($2) AND a.standards_version = '2023'
    ORDER BY a.indicator
$$;
COMMENT ON FUNCTION postgraphile_bench.tenant_indicators(postgraphile_bench.tenant, text[], integer)
    IS E'@behavior -connection +list';

-- Runxin's creditSummary(year:): the CREDITS_PER_TEACHER and TRAINING_COVERAGE figures.
CREATE TYPE postgraphile_bench.credit_summary AS (
    teachers integer, credits_total double precision, credits_per_teacher double precision, teachers_trained integer
);
CREATE FUNCTION postgraphile_bench.tenant_credit_summary(t postgraphile_bench.tenant, year integer)
RETURNS postgraphile_bench.credit_summary LANGUAGE sql STABLE AS $$
    SELECT c.units_total, c.numerator, c.value, tr.numerator::int
    FROM public.aggregate c
    JOIN public.aggregate tr ON tr.tenant_id = c.tenant_id AND tr.year = c.year
        AND tr.indicator = 'TRAINING_COVERAGE' AND tr.standards_version = c.standards_version
    WHERE c.tenant_id = t.id AND c.year = $2 AND c.indicator = 'CREDITS_PER_TEACHER' AND c.standards_version = '2023'
$$;

-- Runxin's targetProgress: per indicator the strictest target set for the tenant or an ancestor
-- (highest value, earliest due date, nearest scope, then id), with the tenant's current figure.
CREATE TYPE postgraphile_bench.target_progress AS (
    indicator text, value double precision, due_date date, inherited boolean,
    current_value double precision, current_state text, gap double precision
);
CREATE FUNCTION postgraphile_bench.tenant_target_progress(t postgraphile_bench.tenant, year integer)
RETURNS SETOF postgraphile_bench.target_progress LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (g.indicator)
           g.indicator, g.value, g.due_date, g.tenant_id <> t.id, a.value, a.state, g.value - a.value
    FROM public.target g
    JOIN public.tenant scope ON scope.id = g.tenant_id
    LEFT JOIN public.aggregate a ON a.tenant_id = t.id AND a.year = $2 AND a.indicator = g.indicator
        AND a.standards_version = '2023'
    WHERE g.tenant_id IN (
        SELECT u.id FROM public.tenant u
        WHERE u.path IN (SELECT left(t.path, 1 + 33 * (d + 1)) FROM generate_series(0, t.depth) d))
    ORDER BY g.indicator, g.value DESC, g.due_date, length(scope.path) DESC, g.id::text
$$;
COMMENT ON FUNCTION postgraphile_bench.tenant_target_progress(postgraphile_bench.tenant, integer)
    IS E'@behavior -connection +list';
