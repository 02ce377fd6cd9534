import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
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
}

/**
 * Rate limits, per process (behind a load balancer with N processes a client may get up to N
 * times the figure). Each check answers undefined when allowed, or a RATE_LIMITED error.
 */
export class RateLimits {
  private readonly kiosk: RateLimiterMemory;
  private readonly ipCheckIn: RateLimiterMemory;
  private readonly signIn: RateLimiterMemory;
  private readonly http: RateLimiterMemory;

  constructor(options: RateLimitOptions = {}) {
    const perMinute = (points: number) => new RateLimiterMemory({ points, duration: 60 });
    this.kiosk = perMinute(options.kioskCheckInsPerMin ?? 30);
    this.ipCheckIn = perMinute(options.ipCheckInsPerMin ?? 10);
    this.signIn = perMinute(options.signInsPerMin ?? 20);
    this.http = perMinute(options.httpPerMin ?? 600);
  }

  kioskCheckIn = (deviceId: string) => consume(this.kiosk, deviceId);
  ipCheckInAt = (ip: string) => consume(this.ipCheckIn, ip);
  signInFrom = (ip: string) => consume(this.signIn, ip);
  httpFrom = (ip: string) => consume(this.http, ip);
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<ErrorBody | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const seconds = Math.ceil(error.msBeforeNext / 1000);
    return { code: "RATE_LIMITED", message: `Too many requests; try again in ${seconds} s.` };
  }
}
