import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { ErrorBody } from "../../shared/errors.js";

export interface RateLimitOptions {
  /** Check-ins per kiosk per minute. */
  kioskCheckInsPerMin?: number;
  /** Check-ins (call-ahead joins, REST) per client IP per minute. */
  ipCheckInsPerMin?: number;
  /** Sign-in attempts per client IP per minute (the PIN lockout is per associate on top). */
  signInsPerMin?: number;
  /** HTTP API requests per client IP per minute. */
  httpPerMin?: number;
  /** socket.io handshakes (new connections) per client IP per minute. */
  handshakesPerMin?: number;
}

/** Where limits are counted when several processes share a Redis. */
export interface SharedLimits {
  /** A connected node-redis client. */
  client: unknown;
  /** Key prefix (`REDIS_PREFIX`). */
  prefix: string;
}

/**
 * Rate limits. With `shared` (Redis), every process counts in the same keys, so a client gets
 * the figure whichever process it reaches; if Redis does not answer, each process falls back to
 * counting in memory. Without, they are counted per process. Each check answers undefined when
 * allowed, or a RATE_LIMITED error.
 */
export class RateLimits {
  private readonly kiosk: RateLimiterAbstract;
  private readonly ipCheckIn: RateLimiterAbstract;
  private readonly signIn: RateLimiterAbstract;
  private readonly http: RateLimiterAbstract;
  private readonly handshake: RateLimiterAbstract;

  constructor(options: RateLimitOptions = {}, shared?: SharedLimits) {
    const perMinute = (name: string, points: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ points, duration: 60 });
      if (!shared) return memory;
      return new RateLimiterRedis({
        storeClient: shared.client,
        useRedisPackage: true,
        keyPrefix: `${shared.prefix}rl:${name}`,
        points,
        duration: 60,
        insuranceLimiter: memory,
      });
    };
    this.kiosk = perMinute("kiosk", options.kioskCheckInsPerMin ?? 30);
    this.ipCheckIn = perMinute("ip-check-in", options.ipCheckInsPerMin ?? 10);
    this.signIn = perMinute("sign-in", options.signInsPerMin ?? 20);
    this.http = perMinute("http", options.httpPerMin ?? 600);
    this.handshake = perMinute("handshake", options.handshakesPerMin ?? 300);
  }

  kioskCheckIn = (deviceId: string) => consume(this.kiosk, deviceId);
  ipCheckInAt = (ip: string) => consume(this.ipCheckIn, ip);
  signInFrom = (ip: string) => consume(this.signIn, ip);
  httpFrom = (ip: string) => consume(this.http, ip);
  handshakeFrom = (ip: string) => consume(this.handshake, ip);
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<ErrorBody | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const seconds = Math.ceil(error.msBeforeNext / 1000);
    return { code: "RATE_LIMITED", message: `Too many requests; try again in ${seconds} s.` };
  }
}
