// The page's bearer token: asked of /auth/token (the httpOnly session cookie goes with it), kept in
// memory only, asked again shortly before it expires. /graphql sees only the bearer token.
const HEADERS = { "X-Runxin-Console": "1", "Content-Type": "application/json" };

let token: string | null = null;
let expiresAt = 0;

export class SignedOut extends Error {}

export async function accessToken(): Promise<string> {
  if (token && Date.now() < expiresAt - 60_000) return token;
  const answer = await fetch("/auth/token", { method: "POST", headers: HEADERS, credentials: "same-origin" });
  if (answer.status === 401) throw new SignedOut();
  if (!answer.ok) throw new Error(`/auth/token answered ${answer.status}`);
  const body = await answer.json();
  token = body.access_token as string;
  expiresAt = Date.now() + Number(body.expires_in) * 1000;
  return token;
}

export function forgetToken(): void {
  token = null;
  expiresAt = 0;
}

export async function localSignIn(code: string, role: string): Promise<void> {
  const answer = await fetch("/auth/local", { method: "POST", headers: HEADERS, body: JSON.stringify({ code, role }) });
  if (!answer.ok) throw new Error((await answer.json()).message ?? `sign-in answered ${answer.status}`);
  forgetToken();
}

export async function signOut(): Promise<void> {
  await fetch("/auth/logout", { method: "POST", headers: HEADERS });
  forgetToken();
}

export interface AuthConfig {
  oidc: boolean;
  local: boolean;
  users: { code: string; name: string; kind: string; role: string; subject: string }[];
}

export async function authConfig(): Promise<AuthConfig> {
  return (await fetch("/auth/config")).json();
}
