// The GraphQL-over-HTTP spec's audit suite (graphql-http's auditServer) against one server.
// Usage: node audit.mjs <url> ; RUNXIN_AUDIT_TOKEN, when set, goes out as a bearer token.
// Prints one JSON array of {id, name, status, reason} on stdout; tests/spec/test_graphql_over_http.py judges it.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:8000/graphql');
  process.exit(2);
}
const token = process.env.RUNXIN_AUDIT_TOKEN;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const out = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    try {
      const response = result.response;
      entry.response = { status: response.status, contentType: response.headers.get('content-type'), body: (await response.text()).slice(0, 500) };
    } catch (error) {
      entry.response = String(error);
    }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out, null, 1));
