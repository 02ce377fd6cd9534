import { type LookupAddress, type LookupOptions, lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";

/**
 * Which addresses a webhook may not be sent to unless `WEBHOOKS_ALLOW_PRIVATE` is set: the
 * server's own machine and networks an admin's URL should not reach through it (cloud metadata
 * at 169.254.169.254, a database on 10.x).
 */
const PRIVATE_V4: Array<[number, number]> = [
  [ip4("0.0.0.0"), 8], // "this network", holds the unspecified 0.0.0.0
  [ip4("10.0.0.0"), 8],
  [ip4("100.64.0.0"), 10], // shared address space (carrier-grade NAT)
  [ip4("127.0.0.0"), 8],
  [ip4("169.254.0.0"), 16],
  [ip4("172.16.0.0"), 12],
  [ip4("192.168.0.0"), 16],
];

function ip4(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/** The 8 groups of an IPv6 address (with any dotted IPv4 tail turned into two groups). */
function groups6(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ip4(dotted[1] as string);
    text = `${text.slice(0, -(dotted[1] as string).length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
}

/** Whether `address` (an IPv4 or IPv6 literal) is loopback, private, link-local or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const n = ip4(address);
    return PRIVATE_V4.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits));
  }
  if (family !== 6) return false;
  const g = groups6(address);
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const v4 = `${h >>> 8}.${h & 0xff}.${i >>> 8}.${i & 0xff}`;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0 && h === 0 && (i === 0 || i === 1)) return true; // :: and ::1
    if (f === 0xffff) return isPrivateAddress(v4); // IPv4-mapped
  }
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0)
    return isPrivateAddress(v4); // NAT64 of an IPv4 address
  if ((a & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  return false;
}

/** The host of a URL as an address or a name (IPv6 brackets removed). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

export type TargetCheck =
  | { ok: true }
  | { ok: false; address: string }
  /** The name does not resolve now; each delivery checks again. */
  | { ok: "unresolved" };

/**
 * Whether `url`'s host is, or its name resolves to, a private address (any of its addresses).
 * `lookup` is injectable for tests; names that do not resolve are reported as such.
 */
export async function checkWebhookTarget(
  url: string,
  lookup: typeof dnsLookup = dnsLookup,
): Promise<TargetCheck> {
  const host = hostOf(new URL(url));
  if (isIP(host)) return isPrivateAddress(host) ? { ok: false, address: host } : { ok: true };
  if (host === "localhost" || host.endsWith(".localhost")) return { ok: false, address: host };
  const found = await new Promise<LookupAddress[] | undefined>((resolve) =>
    lookup(host, { all: true }, (err, addresses) =>
      resolve(err ? undefined : (addresses as LookupAddress[])),
    ),
  );
  if (!found || found.length === 0) return { ok: "unresolved" };
  const bad = found.find((a) => isPrivateAddress(a.address));
  return bad ? { ok: false, address: bad.address } : { ok: true };
}

/** The error a guarded lookup fails a connection with. */
export class PrivateAddressError extends Error {
  readonly code = "PRIVATE_ADDRESS";
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to the private address ${address}`);
  }
}

/**
 * A `lookup` for `http.request` that fails the connection when the name resolves to a private
 * address: checked on the addresses actually connected to, so a name cannot be switched to a
 * private address between a check and the connection.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "");
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new PrivateAddressError(hostname, bad.address), "");
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first)
      return callback(
        Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" }),
        "",
      );
    callback(null, first.address, first.family);
  });
}

/** The host of `url` if it is a private address literal (or localhost), checked before sending. */
export function privateLiteral(url: URL): string | undefined {
  const host = hostOf(url);
  if (host === "localhost" || host.endsWith(".localhost")) return host;
  return isIP(host) && isPrivateAddress(host) ? host : undefined;
}
