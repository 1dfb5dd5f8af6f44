import type { Command } from "commander";
import { generateEncryptionKey } from "../../oauth/encryption.js";
import { OAUTH_PROVIDERS } from "../oauth/providers.js";
import type { LoginFlags, TokenFlags } from "../oauth/run.js";
import { DEFAULT_KEY_ENV, type StoreFlags } from "../oauth/store.js";
import { collect, duration, port } from "../options.js";
import { line, processOutput } from "../output.js";

const run = () => import("../oauth/run.js");

const EXIT_CODES = `
Exit codes: 0 success; 1 the login or refresh failed (denied, expired, refused by the server); 2 bad usage, a missing environment variable or an unknown connection.`;

const STORE_HELP = `
Tokens are kept encrypted (AES-256-GCM) in a SQLite file: --store, else $BALLAST_HOME/tokens.db, else ~/.ballast/tokens.db.
The key comes from the environment variable --key-env names (default ${DEFAULT_KEY_ENV}); create one with \`ballast oauth keygen\`.`;

function storeOptions(cmd: Command): Command {
  return cmd
    .option("--store <file>", "token file (SQLite)")
    .option("--key-env <VAR>", "environment variable holding the token encryption key", DEFAULT_KEY_ENV);
}

export function registerOauth(program: Command): void {
  const oauth = program.command("oauth").description("sign in with OAuth 2 / OpenID Connect and get fresh access tokens");

  storeOptions(
    oauth
      .command("login")
      .description("sign in (loopback redirect + PKCE, or --device) and keep the tokens in the encrypted token file")
      .argument("[provider]", `a known provider (${Object.keys(OAUTH_PROVIDERS).join(", ")}), or use --issuer`)
      .option("--issuer <url>", "issuer URL (OpenID Connect / RFC 8414 discovery)")
      .option("--authorization-url <url>", "authorization endpoint, for servers without discovery")
      .option("--token-url <url>", "token endpoint, for servers without discovery")
      .option("--client-id <id>", "OAuth client id (a public client for the loopback and device flows)")
      .option("--client-secret-env <VAR>", "environment variable holding the client secret, for confidential clients")
      .option("--scope <scope>", "scope to ask for (repeatable)", collect)
      .option("--device", "use the device authorization grant (RFC 8628) instead of a browser redirect")
      .option("--name <name>", "connection name to save the tokens under (default: the provider or the issuer's host)")
      .option("--port <port>", "loopback port for the redirect (0: any free port)", port, 0)
      .option("--no-open", "print the sign-in URL without opening a browser"),
  )
    .addHelpText(
      "after",
      `${STORE_HELP}${EXIT_CODES}

Examples:
  export ${DEFAULT_KEY_ENV}=$(ballast oauth keygen)
  ballast oauth login github --client-id Iv1.0123456789abcdef --device
  ballast oauth login --issuer https://accounts.example.com --client-id cli --scope openid --scope offline_access --name work`,
    )
    .action(async (provider: string | undefined, flags: LoginFlags) => (await run()).runLogin(provider, flags));

  storeOptions(
    oauth.command("token").description("print a fresh access token for a connection, refreshing it first if needed").argument("<name>", "connection name"),
  )
    .option("--json", "print the token, its type, expiry and scope as JSON")
    .option("--min-valid <duration>", "refresh first if the token expires within this span (e.g. 10m)", duration)
    .addHelpText("after", `${STORE_HELP}${EXIT_CODES}\n\nExample:\n  curl -H "Authorization: Bearer $(ballast oauth token work)" https://api.example.com/me`)
    .action(async (name: string, flags: TokenFlags) => (await run()).runToken(name, flags));

  storeOptions(oauth.command("list").description("list saved connections (names, servers, client ids, scopes; no tokens)"))
    .option("--json", "print JSON")
    .addHelpText("after", `${STORE_HELP}${EXIT_CODES}`)
    .action(async (flags: StoreFlags & { json?: boolean }) => (await run()).runList(flags));

  oauth
    .command("keygen")
    .description(`print a new random token encryption key (32 bytes, base64url) to export as ${DEFAULT_KEY_ENV}`)
    .action(() => line(processOutput.stdout, generateEncryptionKey()));
}
