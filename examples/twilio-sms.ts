/**
 * Send an SMS with Twilio through `ballast/providers`, and list the messages sent.
 *
 *   npm run example -- twilio-sms
 *
 * It runs against the Twilio simulator of `ballast/testing`. Against the real API it is the same code
 * without the simulator, the credentials read from the environment:
 *
 *   // TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... node --import tsx app.ts
 *   import { twilio } from "ballast/providers";
 *
 *   const sms = twilio(); // TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN (or TWILIO_API_KEY + TWILIO_API_SECRET)
 *   const message = await sms.post<Message>("/2010-04-01/Accounts/:AccountSid/Messages.json", {
 *     params: { AccountSid: sms.accountSid },
 *     form: { To: "+15558675310", From: "+15017122661", Body: "Your code is 123456" },
 *   });
 */
import { twilio } from "ballast/providers";
import { createApiSimulator } from "ballast/testing";

interface Message {
  sid: string;
  status: string;
  to: string;
  body: string;
  num_media: string;
}

const sim = await createApiSimulator({ provider: "twilio" });
const sms = twilio({ accountSid: sim.accountSid, authToken: sim.authToken, baseUrl: sim.url });
const messages = "/2010-04-01/Accounts/:AccountSid/Messages.json";

try {
  const message = await sms.post<Message>(messages, {
    params: { AccountSid: sms.accountSid },
    form: { To: "+15558675310", From: "+15017122661", Body: "Your code is 123456" },
  });
  console.log(`sent ${message.sid}: ${message.status}`);

  // Arrays go out as repeated keys, as Twilio expects: MediaUrl=...&MediaUrl=...
  const mms = await sms.post<Message>(messages, {
    params: { AccountSid: sms.accountSid },
    form: { To: "+15558675310", From: "+15017122661", Body: "Two pictures", MediaUrl: ["https://example.com/a.png", "https://example.com/b.png"] },
  });
  console.log(`sent ${mms.sid} with ${mms.num_media} media`);

  // Lists page with next_page_uri.
  const sent: string[] = [];
  for await (const m of sms.paginate<Message>(messages, { params: { AccountSid: sms.accountSid }, query: { PageSize: 1 } })) sent.push(m.sid);
  console.log(`messages listed: ${sent.length}`);
} finally {
  await sms.close();
  await sim.close();
}
