/** One upload the simulator accepted. */
export interface ReceivedRecord {
  id: string;
  /** Hex SHA-256 of the bytes (absent for URL uploads). */
  sha256?: string;
  url?: string;
  size: number;
  /** The Client-ID, when the upload came with one. */
  clientId?: string;
  /** The Bearer token, when the upload was an account upload. */
  bearer?: string;
  ip: string;
  /** The X-Request-Id the upload came with. */
  requestId?: string;
  fields: Record<string, string>;
  /** Epoch ms. */
  at: number;
}

/** What `GET /_sim/stats` answers. */
export interface SimStats {
  uploads: number;
  rateLimited: number;
  /** 429s by cause: `limit` (tidy windows), `post`, `user`, `client` (reported budgets), `hidden` (the unreported per-IP upload limit), `spurious`, `fault`. */
  rateLimitedBy: Record<string, number>;
  /** 429s by source IP and cause. */
  rateLimitedByIp: Record<string, Record<string, number>>;
  /** 403 "over capacity" answers (imgur profile). */
  overCapacity: number;
  /** Per credential: the fewest credits it ever had left (imgur profile). */
  lowestCredits: Record<string, number>;
  faults: number;
  pendingFaults: number;
  byIp: Record<string, number>;
  byClient: Record<string, number>;
  /** The latest accepted uploads, oldest first (bounded). */
  received: ReceivedRecord[];
}

/** Counters of accepted and refused uploads; keeps the last `keep` uploads whole, so tests can prove each arrived once. */
export class StatsRecorder {
  private uploads = 0;
  private rateLimited = 0;
  private rateLimitedBy = new Map<string, number>();
  private rateLimitedByIp = new Map<string, Record<string, number>>();
  private overCapacity = 0;
  private lowestCredits = new Map<string, number>();
  private faults = 0;
  private byIp = new Map<string, number>();
  private byClient = new Map<string, number>();
  private received: ReceivedRecord[] = [];

  constructor(private readonly keep = 10_000) {}

  accepted(record: ReceivedRecord, clientKey: string): void {
    this.uploads += 1;
    this.byIp.set(record.ip, (this.byIp.get(record.ip) ?? 0) + 1);
    this.byClient.set(clientKey, (this.byClient.get(clientKey) ?? 0) + 1);
    this.received.push(record);
    // Trim in batches: one splice per `keep` uploads instead of a shift per upload.
    if (this.received.length >= this.keep * 2) this.received.splice(0, this.received.length - this.keep);
  }

  refused(cause: string, ip: string): void {
    this.rateLimited += 1;
    this.rateLimitedBy.set(cause, (this.rateLimitedBy.get(cause) ?? 0) + 1);
    const byCause = this.rateLimitedByIp.get(ip) ?? {};
    byCause[cause] = (byCause[cause] ?? 0) + 1;
    this.rateLimitedByIp.set(ip, byCause);
  }

  overloaded(): void {
    this.overCapacity += 1;
  }

  credits(clientKey: string, remaining: number): void {
    this.lowestCredits.set(clientKey, Math.min(remaining, this.lowestCredits.get(clientKey) ?? Infinity));
  }

  faulted(): void {
    this.faults += 1;
  }

  snapshot(pendingFaults: number): SimStats {
    return {
      uploads: this.uploads,
      rateLimited: this.rateLimited,
      rateLimitedBy: Object.fromEntries(this.rateLimitedBy),
      rateLimitedByIp: Object.fromEntries(this.rateLimitedByIp),
      overCapacity: this.overCapacity,
      lowestCredits: Object.fromEntries(this.lowestCredits),
      faults: this.faults,
      pendingFaults,
      byIp: Object.fromEntries(this.byIp),
      byClient: Object.fromEntries(this.byClient),
      received: this.received.slice(-this.keep),
    };
  }

  clear(): void {
    this.uploads = this.rateLimited = this.faults = this.overCapacity = 0;
    this.rateLimitedBy.clear();
    this.rateLimitedByIp.clear();
    this.lowestCredits.clear();
    this.byIp.clear();
    this.byClient.clear();
    this.received = [];
  }
}
