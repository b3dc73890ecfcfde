// Who is signed in (the API's viewer), read once per sign-in.
import { gql } from "./api";

export interface Viewer {
  subject: string;
  roles: string[];
  tenant: { code: string; name: string; kind: string };
}

let viewer: Viewer | null = null;

export async function currentViewer(): Promise<Viewer> {
  if (!viewer) {
    const data = await gql<{ viewer: Viewer | null }>("query Viewer { viewer { subject roles tenant { code name kind } } }");
    if (!data.viewer) throw new Error("no viewer");
    viewer = data.viewer;
  }
  return viewer;
}

export function forgetViewer(): void {
  viewer = null;
}

export function isAdmin(v: Viewer): boolean {
  return v.roles.includes("ADMIN");
}
