import type { IncomingHttpHeaders } from "node:http";

/**
 * Which browser pages may use the HTTP API and socket.io, judged by the request's Origin header
 * (browsers set it; nothing else need). Let in: requests without one (tablets' and kiosks' own
 * clients in Node, curl, integrations), the listed origins (`ALLOWED_ORIGINS`, default the
 * public URL's), and the server's own pages whatever name they were reached by (an Origin whose
 * host is the request's Host). Everything else is refused: a page elsewhere cannot drive the
 * API or open a socket from a visitor's browser.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.listed = new Set(origins);
  }

  /** The listed origins: pages there get CORS headers, as they are not the server's own. */
  get origins(): string[] {
    return [...this.listed];
  }

  allows(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (origin === undefined) return true;
    return this.listed.has(origin) || hostOf(origin) === headers.host;
  }

  /** True if `origin` is one of the listed ones (and so gets CORS headers). */
  isListed(origin: string | undefined): origin is string {
    return origin !== undefined && this.listed.has(origin);
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
