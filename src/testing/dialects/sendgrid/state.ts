export interface SentMail {
  /** The `X-Message-Id` the send was answered with. */
  messageId: string;
  /** The request body as sent. */
  body: Record<string, unknown>;
  recipients: string[];
  receivedAt: number;
}

export interface MarketingList {
  id: string;
  name: string;
  contact_count: number;
  _metadata: { self: string };
}

/** Sent mail and marketing lists, in creation order. */
export class SendgridState {
  readonly mail: SentMail[] = [];
  readonly lists: MarketingList[] = [];

  clear(): void {
    this.mail.length = 0;
    this.lists.length = 0;
  }
}
