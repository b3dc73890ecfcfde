// GraphQL over HTTP, as every client calls it: POST /graphql with the bearer token.
import { accessToken, forgetToken } from "./auth";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function send<T>(body: BodyInit, contentType: string | null): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await accessToken()}` };
  if (contentType) headers["Content-Type"] = contentType;
  // A multipart POST needs no CORS preflight, so the API asks for this header to tell it from a cross-site form.
  else headers["GraphQL-Require-Preflight"] = "1";
  const answer = await fetch("/graphql", { method: "POST", headers, body });
  if (answer.status === 401) forgetToken();
  const payload = (await answer.json()) as GraphQLAnswer<T>;
  if (payload.errors?.length) {
    const first = payload.errors[0];
    throw new ApiError(first.message, first.extensions?.code, answer.status);
  }
  if (!answer.ok || payload.data == null) throw new ApiError(`/graphql answered ${answer.status}`, undefined, answer.status);
  return payload.data;
}

export function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return send<T>(JSON.stringify({ query, variables }), "application/json");
}

/** A mutation with one file, per the GraphQL multipart request spec (variables.file is the upload). */
export function gqlUpload<T>(query: string, variables: Record<string, unknown>, file: File): Promise<T> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.append("map", JSON.stringify({ "0": ["variables.file"] }));
  form.append("0", file, file.name);
  return send<T>(form, null); // the browser sets multipart/form-data with its boundary
}

/** Download a file the API serves to bearer tokens (exports, templates, PDFs). */
export async function download(path: string, filename: string): Promise<void> {
  const answer = await fetch(path, { headers: { Authorization: `Bearer ${await accessToken()}` } });
  if (!answer.ok) {
    let message = `${path} answered ${answer.status}`;
    try {
      const body = await answer.json();
      message = body.message ?? body.errors?.[0]?.message ?? message;
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(message, undefined, answer.status);
  }
  const url = URL.createObjectURL(await answer.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
