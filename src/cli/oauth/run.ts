import { CliError, usageError } from "../exit.js";
import { isoTime, line, type Output, processOutput, table } from "../output.js";
import { oauthClient } from "./client.js";
import { openBrowser } from "./open-browser.js";
import { OAUTH_PROVIDERS } from "./providers.js";
import { type ConnectionProfile, openTokenFile, type StoreFlags, storePath } from "./store.js";

export interface LoginFlags extends StoreFlags {
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecretEnv?: string;
  scope?: string[];
  device?: boolean;
  name?: string;
  port: number;
  open: boolean;
}

/** The connection profile a login describes: a known provider, or `--issuer`, or explicit endpoints. */
export function loginProfile(provider: string | undefined, flags: LoginFlags): ConnectionProfile {
  const known = provider === undefined ? undefined : OAUTH_PROVIDERS[provider.toLowerCase()];
  if (provider !== undefined && known === undefined)
    throw usageError(`unknown provider ${JSON.stringify(provider)}; known: ${Object.keys(OAUTH_PROVIDERS).join(", ")}, or use --issuer`);
  if (flags.clientId === undefined) throw usageError("--client-id is required");
  const endpoints =
    flags.tokenUrl !== undefined
      ? { token: flags.tokenUrl, ...(flags.authorizationUrl !== undefined && { authorization: flags.authorizationUrl }) }
      : known?.endpoints;
  const issuer = flags.issuer ?? known?.issuer;
  if (issuer === undefined && endpoints === undefined) throw usageError("give a provider, --issuer URL, or --token-url (and --authorization-url)");
  const name = flags.name ?? provider?.toLowerCase() ?? new URL(issuer ?? (endpoints?.token as string)).host;
  return {
    name,
    ...(flags.issuer !== undefined || endpoints === undefined ? { issuer } : { endpoints }),
    clientId: flags.clientId,
    ...(flags.clientSecretEnv !== undefined && { clientSecretEnv: flags.clientSecretEnv }),
    scopes: flags.scope ?? known?.scopes ?? [],
    createdAt: Date.now(),
  };
}

export async function runLogin(provider: string | undefined, flags: LoginFlags, output: Output = processOutput): Promise<void> {
  const profile = loginProfile(provider, flags);
  const file = await openTokenFile(flags);
  try {
    const oauth = oauthClient(profile, file.tokens);
    let tokens: { expiresAt?: number | undefined; scope?: string | undefined };
    if (flags.device) {
      const device = await oauth.deviceAuthorization({ connectionId: profile.name });
      line(output.stderr, `To sign in, open ${device.verificationUri} and enter the code ${device.userCode}`);
      if (device.verificationUriComplete) line(output.stderr, `(or open ${device.verificationUriComplete})`);
      line(output.stderr, "waiting for you to confirm...");
      tokens = await device.wait();
    } else {
      const result = await oauth.loopbackLogin({
        connectionId: profile.name,
        port: flags.port,
        open(url) {
          line(output.stderr, `Open this URL to sign in:\n${url}`);
          if (flags.open) openBrowser(url);
        },
      });
      tokens = result.tokens;
    }
    file.putProfile(profile);
    const expires = tokens.expiresAt === undefined ? "no expiry given" : `access token expires ${isoTime(tokens.expiresAt)}`;
    line(output.stdout, `signed in: connection "${profile.name}" saved in ${storePath(flags)} (${expires}${tokens.scope ? `; scope ${tokens.scope}` : ""})`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`sign-in failed: ${(error as Error).message}`);
  } finally {
    file.close();
  }
}

export interface TokenFlags extends StoreFlags {
  json?: boolean;
  /** Refresh first when the access token expires within this many ms. */
  minValid?: number;
}

export async function runToken(name: string, flags: TokenFlags, output: Output = processOutput): Promise<void> {
  const file = await openTokenFile(flags);
  try {
    const profile = file.getProfile(name);
    if (profile === undefined) throw usageError(`no connection "${name}" in ${storePath(flags)}; sign in first with \`ballast oauth login\``);
    const manager = oauthClient(profile, file.tokens).tokens;
    // Refreshed by the token manager when near expiry; with --min-valid also when it would expire within that span.
    const fresh = async () => {
      const current = await manager.get(name);
      const soon = flags.minValid !== undefined && current.expiresAt !== undefined && current.expiresAt - Date.now() < flags.minValid;
      return soon ? manager.refresh(name) : current;
    };
    const tokens = await fresh().catch((error: unknown) => {
      throw new CliError(`cannot get a token for "${name}": ${(error as Error).message}`);
    });
    if (flags.json)
      line(
        output.stdout,
        JSON.stringify({ accessToken: tokens.accessToken, tokenType: tokens.tokenType, expiresAt: tokens.expiresAt ?? null, scope: tokens.scope ?? null }),
      );
    else line(output.stdout, tokens.accessToken);
  } finally {
    file.close();
  }
}

export async function runList(flags: StoreFlags & { json?: boolean }, output: Output = processOutput): Promise<void> {
  const file = await openTokenFile(flags);
  try {
    const rows = file
      .profiles()
      .map((p) => ({ name: p.name, server: p.issuer ?? p.endpoints?.token ?? "-", clientId: p.clientId, scopes: p.scopes.join(" ") }));
    if (flags.json) line(output.stdout, JSON.stringify(rows));
    else if (rows.length === 0) line(output.stderr, `no connections in ${storePath(flags)}`);
    else line(output.stdout, table([["NAME", "SERVER", "CLIENT ID", "SCOPES"], ...rows.map((r) => [r.name, r.server, r.clientId, r.scopes])]));
  } finally {
    file.close();
  }
}
