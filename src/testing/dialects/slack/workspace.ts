import { randomId } from "../http.js";

export interface SlackChannel {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  is_member: boolean;
  created: number;
  creator: string;
  name_normalized: string;
  num_members: number;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
}

export interface SlackMessage {
  type: "message";
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  ts: string;
  thread_ts?: string;
  blocks?: unknown[];
}

export const TEAM = { id: "T0BALLAST", name: "Ballast Simulator", domain: "ballast-sim" };
export const BOT = { userId: "U0BALLASTBOT", botId: "B0BALLAST", appId: "A0BALLAST", name: "ballast-bot" };

const SEEDED = [
  ["general", "Company-wide announcements and work-based matters"],
  ["random", "Non-work banter and water cooler conversation"],
  ["engineering", "Builds, deploys and incidents"],
  ["support", "Customer questions"],
  ["announcements", "Read-only news"],
] as const;

/**
 * The Slack simulator's workspace: channels (a few seeded, `general` first)
 * and the messages posted to them. Message timestamps are unique and
 * increasing, as Slack's are.
 */
export class Workspace {
  readonly channels: SlackChannel[] = [];
  readonly #messages = new Map<string, SlackMessage[]>();
  #lastTs = 0;

  constructor(private readonly now: () => number) {
    this.seed();
  }

  seed(): void {
    for (const [name, purpose] of SEEDED) this.addChannel(name, { purpose, general: name === "general" });
  }

  addChannel(name: string, options: { purpose?: string; private?: boolean; archived?: boolean; general?: boolean } = {}): SlackChannel {
    const created = Math.floor(this.now() / 1000);
    const channel: SlackChannel = {
      id: `C${randomId(10)}`,
      name,
      is_channel: !options.private,
      is_group: options.private === true,
      is_im: false,
      is_private: options.private === true,
      is_archived: options.archived === true,
      is_general: options.general === true,
      is_member: true,
      created,
      creator: "U0BALLASTADM",
      name_normalized: name,
      num_members: 3,
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: options.purpose ?? "", creator: "U0BALLASTADM", last_set: created },
    };
    this.channels.push(channel);
    this.#messages.set(channel.id, []);
    return channel;
  }

  /** A channel by id (`C…`) or name (`general`, `#general`). */
  find(ref: string): SlackChannel | undefined {
    const name = ref.startsWith("#") ? ref.slice(1) : ref;
    return this.channels.find((c) => c.id === ref || c.name === name);
  }

  post(channel: SlackChannel, input: { text: string; blocks?: unknown[]; thread_ts?: string }): SlackMessage {
    const message: SlackMessage = {
      type: "message",
      text: input.text,
      user: BOT.userId,
      bot_id: BOT.botId,
      app_id: BOT.appId,
      team: TEAM.id,
      ts: this.#nextTs(),
    };
    if (input.thread_ts !== undefined) message.thread_ts = input.thread_ts;
    if (input.blocks !== undefined) message.blocks = input.blocks;
    this.#messages.get(channel.id)!.push(message);
    return message;
  }

  messages(channelId: string): readonly SlackMessage[] {
    return this.#messages.get(channelId) ?? [];
  }

  /** `seconds.micro`, strictly increasing. */
  #nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.#lastTs + 1);
    this.#lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  clear(): void {
    this.channels.length = 0;
    this.#messages.clear();
    this.seed();
  }
}
