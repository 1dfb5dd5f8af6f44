import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Middleware } from "../types.js";
import { type Duration, toMillis } from "../util/duration.js";
import { durationOption } from "../util/options.js";
import { checkAlgorithm, importSigningKey, type PrivateKeyInput, type SigningAlgorithm } from "./signing-key.js";

export interface JwtAssertionOptions {
  /** PKCS#8 PEM (PKCS#1 RSA PEMs as GitHub issues them work too), JWK, KeyObject or CryptoKey. */
  privateKey: PrivateKeyInput;
  /** Default `RS256`. */
  alg?: SigningAlgorithm;
  /** `kid` header. */
  kid?: string;
  /** `iss`: your client id, or the GitHub App id. */
  issuer: string;
  /** `sub`: whom the token is for (RFC 7523: the user or the client). */
  subject?: string;
  /** `aud`: the token endpoint or API that will check it. */
  audience?: string | string[];
  /** Lifetime (default `"5m"`; GitHub Apps allow at most 10 minutes). */
  expiresIn?: Duration;
  /** `iat` this far in the past, for servers whose clock runs behind (default `"30s"`; GitHub suggests 60 s). */
  backdate?: Duration;
  /** A unique `jti` in each JWT (default true; RFC 7523 servers may refuse a reused one). */
  jti?: boolean;
  /** More claims. Cannot replace iss, sub, aud, iat, exp, jti. */
  claims?: Record<string, unknown>;
  clock?: Clock;
}

/** Signs short-lived JWTs: RFC 7523 assertions, or the app JWTs GitHub-style APIs want as bearer tokens. */
export interface JwtAssertion {
  /** A newly signed JWT. */
  sign(): Promise<string>;
  /** Middleware: `authorization: Bearer <jwt>`, reusing one JWT until a fifth of its lifetime is left. */
  readonly auth: Middleware;
}

const REGISTERED = new Set(["iss", "sub", "aud", "iat", "exp", "nbf", "jti"]);

export function jwtAssertion(options: JwtAssertionOptions): JwtAssertion {
  if (options === null || typeof options !== "object") throw new ConfigError("jwtAssertion", "must be an options object");
  const alg = options.alg ?? "RS256";
  checkAlgorithm(alg, "jwtAssertion.alg");
  if (typeof options.issuer !== "string" || options.issuer === "") throw new ConfigError("jwtAssertion.issuer", "must be a non-empty string");
  if (options.privateKey === undefined || options.privateKey === null) throw new ConfigError("jwtAssertion.privateKey", "is required");
  const lifetime = durationOption(options.expiresIn ?? "5m", "jwtAssertion.expiresIn", 1000);
  const backdate = toMillis(options.backdate ?? "30s", "jwtAssertion.backdate");
  for (const k of Object.keys(options.claims ?? {})) {
    if (REGISTERED.has(k)) throw new ConfigError(`jwtAssertion.claims.${k}`, "is set from the other options");
  }
  const clock = options.clock ?? systemClock;
  let key: Promise<CryptoKey> | undefined;

  async function signAt(now: number): Promise<string> {
    key ??= importSigningKey(options.privateKey, alg, "jwtAssertion.privateKey");
    const seconds = Math.floor(now / 1000);
    const jwt = new SignJWT({ ...options.claims })
      .setProtectedHeader(options.kid === undefined ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid: options.kid })
      .setIssuer(options.issuer)
      .setIssuedAt(seconds - Math.floor(backdate / 1000))
      .setExpirationTime(seconds + Math.floor(lifetime / 1000));
    if (options.subject !== undefined) jwt.setSubject(options.subject);
    if (options.audience !== undefined) jwt.setAudience(options.audience);
    if (options.jti !== false) jwt.setJti(randomUUID());
    return jwt.sign(await key);
  }

  let cached: { value: string; renewAt: number } | undefined;
  const jwtAssertionAuth: Middleware = async (req, next) => {
    const now = clock.now();
    if (cached === undefined || now >= cached.renewAt) cached = { value: await signAt(now), renewAt: now + lifetime * 0.8 };
    return next({ ...req, headers: { ...req.headers, authorization: `Bearer ${cached.value}` } });
  };

  return { sign: () => signAt(clock.now()), auth: jwtAssertionAuth };
}
