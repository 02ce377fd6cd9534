import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { guardedLookup, privateLiteral } from "./addresses.js";

/** What a try to a private address ends with; final, like "refused". */
export const PRIVATE = "private address";

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Send to loopback and private addresses too (`WEBHOOKS_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
}

/**
 * One POST of a webhook body: "ok" on a 2xx; "refused" on an answer that retrying will not
 * change (3xx, 4xx but 408 and 429); `PRIVATE` for a host that is, or resolves to, a private
 * address; otherwise what went wrong (the caller retries). Redirects are not followed.
 */
export function postWebhook(target: string, options: PostOptions): Promise<string> {
  const url = new URL(target);
  if (!options.allowPrivate && privateLiteral(url)) return Promise.resolve(PRIVATE);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) },
        signal: options.signal,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        res.resume();
        const s = res.statusCode ?? 0;
        if (s >= 200 && s < 300) resolve("ok");
        else resolve(s >= 500 || s === 408 || s === 429 ? `HTTP ${s}` : "refused");
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "PRIVATE_ADDRESS") resolve(PRIVATE);
      else if (error.name === "AbortError")
        resolve(options.signal.reason?.name === "TimeoutError" ? "timeout" : "aborted");
      else resolve(error.code ?? error.message ?? "network error");
    });
    req.end(options.body);
  });
}
