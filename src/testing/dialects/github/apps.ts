import { createPublicKey, generateKeyPairSync, type JsonWebKey, KeyObject } from "node:crypto";
import { decodeJwt, jwtVerify } from "jose";
import { ConfigError } from "../../../errors.js";
import { randomId } from "../http.js";

/** A GitHub App the simulator knows: its id, the public half of its key, its installations. */
export interface SimulatedApp {
  appId: string;
  /** The PEM private key (PKCS#1, as GitHub hands it out) when the simulator made the pair. */
  privateKey: string | undefined;
  installations: Set<string>;
  publicKey: KeyObject;
}

/** What `createApp()` returns: what a GitHub App's owner has after registering it and installing it once. */
export interface GithubAppCredentials {
  appId: string;
  /** PKCS#1 PEM, as GitHub's "Generate a private key" downloads it. */
  privateKey: string;
  installationId: string;
}

export type AppJwtCheck = { ok: true; app: SimulatedApp } | { ok: false; message: string };

interface InstallationToken {
  installationId: string;
  expiresAt: number;
}

/** The longest an app JWT may live (`exp - iat`), as GitHub enforces. */
const MAX_JWT_LIFETIME_S = 600;
/** GitHub tolerates this much clock drift on `iat` and `exp` (seconds). */
const DRIFT_S = 60;

/**
 * GitHub Apps in the simulator: app JWTs (RS256, signed with the app's key,
 * `iss` = app id, at most 10 minutes) are checked the way GitHub does, and
 * exchanged for `ghs_` installation tokens that expire.
 */
export class AppRegistry {
  readonly #apps = new Map<string, SimulatedApp>();
  readonly #tokens = new Map<string, InstallationToken>();
  #nextAppId = 100_001;
  #nextInstallation = 4_100_001;

  constructor(
    private readonly now: () => number,
    private readonly tokenTtlMs: number,
  ) {}

  /** Registers a new app with a fresh RSA key and one installation. */
  create(): GithubAppCredentials {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ format: "pem", type: "pkcs1" }).toString();
    const app = this.register({ appId: String(this.#nextAppId++), publicKey });
    app.privateKey = pem;
    const installationId = this.install(app.appId);
    return { appId: app.appId, privateKey: pem, installationId };
  }

  /** Registers an app whose key pair you made (`publicKey`: PEM, JWK or KeyObject). */
  register(options: { appId: string | number; publicKey: string | KeyObject | JsonWebKey; installations?: ReadonlyArray<string | number> }): SimulatedApp {
    const appId = String(options.appId);
    if (!/^\d+$/.test(appId)) throw new ConfigError("app.appId", `must be a numeric id; got ${JSON.stringify(options.appId)}`);
    const key = options.publicKey;
    const publicKey = typeof key === "string" ? createPublicKey(key) : key instanceof KeyObject ? key : createPublicKey({ key, format: "jwk" });
    if (publicKey.asymmetricKeyType !== "rsa") throw new ConfigError("app.publicKey", "must be an RSA key (GitHub App JWTs are RS256)");
    const app: SimulatedApp = { appId, privateKey: undefined, installations: new Set((options.installations ?? []).map(String)), publicKey };
    this.#apps.set(appId, app);
    return app;
  }

  /** Adds an installation of the app; returns its id. */
  install(appId: string): string {
    const app = this.#apps.get(appId);
    if (!app) throw new ConfigError("appId", `no simulated app ${appId}`);
    const id = String(this.#nextInstallation++);
    app.installations.add(id);
    return id;
  }

  /** Checks an app JWT as GitHub does; the message on failure is GitHub's. */
  async checkJwt(jwt: string): Promise<AppJwtCheck> {
    let iss: unknown;
    try {
      iss = decodeJwt(jwt).iss;
    } catch {
      return { ok: false, message: "A JSON web token could not be decoded" };
    }
    const app = this.#apps.get(String(iss));
    if (!app) return { ok: false, message: "Integration not found" };
    const nowS = Math.floor(this.now() / 1000);
    let payload: Record<string, unknown>;
    try {
      // exp/iat are checked below against the simulator's clock, with GitHub's rules and messages.
      ({ payload } = await jwtVerify(jwt, app.publicKey, { algorithms: ["RS256"], currentDate: new Date(this.now()), clockTolerance: DRIFT_S }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED")
        return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
      return { ok: false, message: "A JSON web token could not be decoded" };
    }
    const { iat, exp } = payload;
    if (typeof iat !== "number" || !Number.isInteger(iat) || iat > nowS + DRIFT_S)
      return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued" };
    if (typeof exp !== "number" || exp - iat > MAX_JWT_LIFETIME_S || exp > nowS + MAX_JWT_LIFETIME_S + DRIFT_S)
      return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
    return { ok: true, app };
  }

  /** A new installation token (`ghs_…`), valid for the configured lifetime. */
  issueToken(installationId: string): { token: string; expiresAt: number } {
    const token = `ghs_${randomId(36, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
    const expiresAt = this.now() + this.tokenTtlMs;
    this.#tokens.set(token, { installationId, expiresAt });
    return { token, expiresAt };
  }

  /** `valid` for a token this simulator issued and that has not expired; `expired`; `unknown` for any other. */
  tokenStatus(token: string): "valid" | "expired" | "unknown" {
    const t = this.#tokens.get(token);
    if (!t) return "unknown";
    return t.expiresAt > this.now() ? "valid" : "expired";
  }

  /** Installation tokens issued so far (for tests that count exchanges). */
  get tokensIssued(): number {
    return this.#tokens.size;
  }

  clearTokens(): void {
    this.#tokens.clear();
  }
}
