export type MessageStatus = "accepted" | "queued" | "sending" | "sent" | "delivered" | "undelivered" | "failed" | "receiving" | "received" | "read";

export interface Message {
  sid: string;
  account_sid: string;
  api_version: "2010-04-01";
  body: string;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  direction: "outbound-api";
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: "USD";
  status: MessageStatus;
  subresource_uris: { media: string; feedback: string };
  to: string;
  uri: string;
  [field: string]: unknown;
}

/** A message with what the simulator keeps beside the resource: its media URLs and status callback. */
export interface StoredMessage {
  resource: Message;
  mediaUrls: string[];
  statusCallback: string | undefined;
}

/** RFC 2822 dates, as the 2010 API writes them: `Wed, 02 Dec 2026 06:00:00 +0000`. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

/** Messages per account, in creation order. */
export class TwilioState {
  readonly messages = new Map<string, StoredMessage>();

  constructor(readonly now: () => number) {}

  ofAccount(accountSid: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.resource.account_sid === accountSid);
  }

  clear(): void {
    this.messages.clear();
  }
}
