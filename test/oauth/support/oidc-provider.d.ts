// oidc-provider ships no types; the tests use a small, loosely typed part of it.
declare module "oidc-provider" {
  // biome-ignore lint/suspicious/noExplicitAny: untyped third-party module used only in tests
  type AnyProvider = any;
  const Provider: new (issuer: string, configuration: Record<string, unknown>) => AnyProvider;
  type Provider = AnyProvider;
  export default Provider;
}
