/** A GitHub user as API objects embed it. */
export interface GithubUser {
  login: string;
  id: number;
  node_id: string;
  type: "User" | "Bot";
  site_admin: boolean;
}

export interface GithubIssue {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  locked: boolean;
  labels: Array<{ id: number; name: string; color: string; default: boolean }>;
  assignees: GithubUser[];
  user: GithubUser;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: string;
  url: string;
  html_url: string;
  repository_url: string;
}

export interface GithubRepository {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  private: boolean;
  owner: GithubUser;
  description: string | null;
  default_branch: string;
  open_issues_count: number;
  has_issues: boolean;
  created_at: string;
  updated_at: string;
  url: string;
  html_url: string;
}

interface Repo {
  data: GithubRepository;
  issues: GithubIssue[];
}

const API = "https://api.github.com";
const WEB = "https://github.com";

/**
 * The GitHub simulator's repositories and issues. A repository exists once
 * something was written to it (or it was created explicitly); ids are
 * sequential per simulator, issue numbers per repository.
 */
export class RepositoryStore {
  readonly #repos = new Map<string, Repo>();
  readonly #byId = new Map<number, Repo>();
  #nextId = 1_296_269;
  #nextIssueId = 1;

  constructor(private readonly now: () => number) {}

  static key(owner: string, name: string): string {
    return `${owner}/${name}`.toLowerCase();
  }

  get(owner: string, name: string): Repo | undefined {
    return this.#repos.get(RepositoryStore.key(owner, name));
  }

  byId(id: number): Repo | undefined {
    return this.#byId.get(id);
  }

  /** The repository, created (owned by a user named `owner`) if it does not exist yet. */
  ensure(owner: string, name: string): Repo {
    const existing = this.get(owner, name);
    if (existing) return existing;
    const id = this.#nextId++;
    const at = new Date(this.now()).toISOString();
    const repo: Repo = {
      data: {
        id,
        node_id: Buffer.from(`010:Repository${id}`).toString("base64"),
        name,
        full_name: `${owner}/${name}`,
        private: false,
        owner: user(owner, id + 1000),
        description: null,
        default_branch: "main",
        open_issues_count: 0,
        has_issues: true,
        created_at: at,
        updated_at: at,
        url: `${API}/repos/${owner}/${name}`,
        html_url: `${WEB}/${owner}/${name}`,
      },
      issues: [],
    };
    this.#repos.set(RepositoryStore.key(owner, name), repo);
    this.#byId.set(id, repo);
    return repo;
  }

  createIssue(repo: Repo, input: { title: string; body?: string | null; labels?: string[]; author: string }): GithubIssue {
    const number = repo.issues.length + 1;
    const id = this.#nextIssueId++;
    const at = new Date(this.now()).toISOString();
    const { full_name } = repo.data;
    const issue: GithubIssue = {
      id,
      node_id: Buffer.from(`I_${id}`).toString("base64url"),
      number,
      title: input.title,
      body: input.body ?? null,
      state: "open",
      state_reason: null,
      locked: false,
      labels: (input.labels ?? []).map((name, i) => ({ id: id * 100 + i, name, color: "ededed", default: false })),
      assignees: [],
      user: user(input.author, 1),
      comments: 0,
      created_at: at,
      updated_at: at,
      closed_at: null,
      author_association: "OWNER",
      url: `${API}/repos/${full_name}/issues/${number}`,
      html_url: `${WEB}/${full_name}/issues/${number}`,
      repository_url: `${API}/repos/${full_name}`,
    };
    repo.issues.push(issue);
    repo.data.open_issues_count++;
    repo.data.updated_at = at;
    return issue;
  }

  clear(): void {
    this.#repos.clear();
    this.#byId.clear();
  }
}

export function user(login: string, id: number, type: GithubUser["type"] = "User"): GithubUser {
  return { login, id, node_id: Buffer.from(`04:User${id}`).toString("base64"), type, site_admin: false };
}
