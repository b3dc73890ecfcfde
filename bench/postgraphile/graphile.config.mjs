// PostGraphile v5 for bench/compare.py: the Amber preset over the schema that schema.sql creates.
// Production settings: no GraphiQL, no schema watching, no explain, no error stack traces.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  throw new Error("Set DATABASE_URL to the PostgreSQL database to serve, e.g. postgres://postgres@127.0.0.1:5432/runxin_compare");
}

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["postgraphile_bench"],
      // The same pool size as Runxin's engine (10 connections).
      poolConfig: { max: Number(process.env.PG_POOL_MAX || 10) },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false, maxRequestLength: 1_000_000 },
  grafast: { explain: false },
  schema: { exportSchemaSDLPath: process.env.EXPORT_SCHEMA || undefined },
};
