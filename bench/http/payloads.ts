/**
 * The fixed traffic of the HTTP benchmark, shared by the server and every
 * client so all contenders move exactly the same bytes.
 */

/** GET answers this (~110 bytes of JSON, a typical small API object). */
export const ITEM = {
  id: "cus_123",
  object: "customer",
  email: "jenny@example.com",
  balance: 0,
  created: 1700000000,
  livemode: false,
};

/** POST sends this (~100 bytes of JSON); the server echoes it back. */
export const CHARGE = {
  amount: 2000,
  currency: "usd",
  customer: "cus_123",
  description: "bench charge",
  metadata: { order: "42" },
};

export const ITEM_PATH = "/v1/customers/cus_123";
export const ECHO_PATH = "/v1/charges";
/** Server-side CPU time so far, so a run can tell whether the server was the bottleneck. */
export const CPU_PATH = "/__cpu";

/** Every contender sends this; the server refuses requests without it. */
export const TOKEN = "sk_test_x";
export const AUTHORIZATION = `Bearer ${TOKEN}`;
