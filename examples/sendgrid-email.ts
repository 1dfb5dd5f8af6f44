/**
 * Send an email with SendGrid through `ballast/providers`.
 *
 *   npm run example -- sendgrid-email
 *
 * It runs against the SendGrid simulator of `ballast/testing`. Against the real API it is the same code
 * without the simulator, the key read from the environment:
 *
 *   // SENDGRID_API_KEY=SG.... node --import tsx app.ts
 *   import { sendgrid } from "ballast/providers";
 *
 *   const mail = sendgrid(); // SENDGRID_API_KEY; region: "eu" for api.eu.sendgrid.com
 *   const { response } = await mail.post("/v3/mail/send", { json: message }).withResponse();
 *   console.log(response.status, response.headers["x-message-id"]);
 */
import { isHttpError } from "ballast";
import { sendgrid } from "ballast/providers";
import { createApiSimulator } from "ballast/testing";

const sim = await createApiSimulator({ provider: "sendgrid" });
const mail = sendgrid({ apiKey: "SG.example-key.example-secret", baseUrl: sim.url });

const message = {
  personalizations: [{ to: [{ email: "ada@example.com", name: "Ada" }] }],
  from: { email: "orders@example.com", name: "Example Shop" },
  subject: "Your order A-1001",
  content: [
    { type: "text/plain", value: "Thanks for your order." },
    { type: "text/html", value: "<p>Thanks for your order.</p>" },
  ],
};

try {
  // SendGrid answers 202 with an empty body; the message id is in a header.
  const { response } = await mail.post("/v3/mail/send", { json: message }).withResponse();
  console.log(`accepted: HTTP ${response.status}, X-Message-Id ${String(response.headers["x-message-id"])}`);
  console.log(`rate limit left on /v3/mail/send: ${String(response.headers["x-ratelimit-remaining"])} of ${String(response.headers["x-ratelimit-limit"])}`);

  // A rejected message: SendGrid's errors[] become the error's message and details.
  try {
    await mail.post("/v3/mail/send", { json: { ...message, from: { email: "not-an-address" } } });
  } catch (error) {
    if (!isHttpError(error)) throw error;
    console.log(`rejected: HTTP ${error.status}: ${error.apiMessage} (field ${String(error.apiCode)})`);
  }
  console.log(`mail sent to the simulator: ${sim.state.mail.length}`);
} finally {
  await mail.close();
  await sim.close();
}
