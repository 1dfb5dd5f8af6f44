// Public API of `ballast/oauth`.

export type { AuthorizationUrlOptions, CallbackInput, CallbackResult } from "./authorization-code.js";
export type { DeviceAuthorization, DeviceAuthorizationOptions } from "./device.js";
export { type EncryptionOptions, generateEncryptionKey, type TokenCipher, tokenCipher } from "./encryption.js";
export {
  DeviceAuthorizationError,
  isDeviceAuthorizationError,
  isOAuthError,
  isReauthorizationRequiredError,
  isStateMismatchError,
  isTokenDecryptionError,
  OAuthError,
  type ReauthorizationReason,
  ReauthorizationRequiredError,
  StateMismatchError,
  TokenDecryptionError,
  type TokenDecryptionReason,
} from "./errors.js";
export { type JwtAssertion, type JwtAssertionOptions, jwtAssertion } from "./jwt-assertion.js";
export type { LoopbackLoginOptions } from "./loopback.js";
export { type TokenSource, tokenAuth } from "./middleware.js";
export {
  type ClientCredentialsOptions,
  clientCredentialsConnectionId,
  type JwtBearerOptions,
  type OAuth2,
  type OAuth2Options,
  oauth2,
  type RevokeOptions,
} from "./oauth2.js";
export type { ClientAuthenticationMethod, OAuthEndpoints, PrivateKeyOptions } from "./protocol.js";
export type { PrivateKeyInput, SigningAlgorithm } from "./signing-key.js";
export {
  type GetTokenOptions,
  type ReauthorizationEvent,
  type RenewContext,
  type RenewTokens,
  type SetTokenOptions,
  TokenManager,
  type TokenManagerOptions,
  type TokenManagerStats,
} from "./token-manager.js";
export type { TokenGrant, TokenRecord, TokenSet } from "./token-set.js";
export { type EncryptedTokenStore, encryptedTokenStore, type ReencryptReport } from "./token-stores/encrypted.js";
export { type MemoryTokenStoreOptions, memoryTokenStore } from "./token-stores/memory.js";
export type { TokenMigrationOptions, TokenMigrationReport } from "./token-stores/namespaced.js";
export { type RedisTokenStoreOptions, redisTokenStore } from "./token-stores/redis.js";
export { type SqlDatabase, type SqlTokenStoreOptions, sqlTokenStore } from "./token-stores/sql.js";
export type { CiphertextBackend, TokenStore, VersionedRecord } from "./token-stores/types.js";
