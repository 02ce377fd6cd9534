/**
 * Small, exact-enough numerics for the wait estimator: a seeded random source (so the same
 * state and time give the same estimate) and the lognormal distribution, also conditioned on a
 * time already elapsed.
 */

/** A seeded pseudo-random source (sfc32): deterministic, fast, good enough for Monte Carlo. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: string) {
    // cyrb53-style mixing of the seed text into three words.
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < seed.length; i++) {
      const ch = seed.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.a = h1 >>> 0;
    this.b = h2 >>> 0;
    this.c = (h1 ^ h2) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in (0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return ((t >>> 0) + 0.5) / 4294967296;
  }

  private spare = Number.NaN;

  /** Standard normal (Box–Muller; the pair's second is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.next()) * mean;
  }
}

/** A lognormal: ln(X) ~ N(mu, sigma²), X in ms. */
export interface LogNormal {
  mu: number;
  sigma: number;
}

export const logNormalMean = (d: LogNormal): number => Math.exp(d.mu + (d.sigma * d.sigma) / 2);

/** A lognormal with this mean and this spread of ln(X). */
export function logNormalWithMean(meanMs: number, sigma: number): LogNormal {
  return { mu: Math.log(meanMs) - (sigma * sigma) / 2, sigma };
}

export function drawLogNormal(d: LogNormal, random: Random): number {
  return Math.exp(d.mu + d.sigma * random.normal());
}

/**
 * What is left of a lognormal time that has already run `elapsedMs`: X − elapsed, drawn from
 * X conditioned on X > elapsed (inverse transform on the upper tail).
 */
export function drawRemaining(d: LogNormal, elapsedMs: number, random: Random): number {
  if (elapsedMs <= 0) return drawLogNormal(d, random);
  return drawRemainingPast(d, elapsedMs, shareBefore(d, elapsedMs), random);
}

/** P(X ≤ elapsed): the share of the lognormal already run (constant while drawing many). */
export const shareBefore = (d: LogNormal, elapsedMs: number): number =>
  normalCdf((Math.log(elapsedMs) - d.mu) / d.sigma);

/** `drawRemaining` for elapsed > 0, with `p = shareBefore(d, elapsedMs)` worked out once. */
export function drawRemainingPast(
  d: LogNormal,
  elapsedMs: number,
  p: number,
  random: Random,
): number {
  if (p >= 1 - 1e-9) return d.sigma > 0 ? elapsedMs * 0.1 * random.next() : 0;
  const u = p + (1 - p) * random.next();
  return Math.max(0, Math.exp(d.mu + d.sigma * normalQuantile(u)) - elapsedMs);
}

/** Φ(x), the standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; error < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Acklam's coefficients for Φ⁻¹ (kept out of the function: it runs thousands of times per estimate). */
const QA0 = -39.69683028665376;
const QA1 = 220.9460984245205;
const QA2 = -275.9285104469687;
const QA3 = 138.357751867269;
const QA4 = -30.66479806614716;
const QA5 = 2.506628277459239;
const QB0 = -54.47609879822406;
const QB1 = 161.5858368580409;
const QB2 = -155.6989798598866;
const QB3 = 66.80131188771972;
const QB4 = -13.28068155288572;
const QC0 = -0.007784894002430293;
const QC1 = -0.3223964580411365;
const QC2 = -2.400758277161838;
const QC3 = -2.549732539343734;
const QC4 = 4.374664141464968;
const QC5 = 2.938163982698783;
const QD0 = 0.007784695709041462;
const QD1 = 0.3224671290700398;
const QD2 = 2.445134137142996;
const QD3 = 3.754408661907416;
const Q_LOW = 0.02425;

const quantileTail = (r: number): number =>
  (((((QC0 * r + QC1) * r + QC2) * r + QC3) * r + QC4) * r + QC5) /
  ((((QD0 * r + QD1) * r + QD2) * r + QD3) * r + 1);

/** Φ⁻¹(p) (Acklam's rational approximation; relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q < Q_LOW) return quantileTail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - Q_LOW) return -quantileTail(Math.sqrt(-2 * Math.log(1 - q)));
  const r = q - 0.5;
  const s = r * r;
  const num = (((((QA0 * s + QA1) * s + QA2) * s + QA3) * s + QA4) * s + QA5) * r;
  const den = ((((QB0 * s + QB1) * s + QB2) * s + QB3) * s + QB4) * s + 1;
  return num / den;
}

/** The q-quantile (0..1) of sorted numbers, by the nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}
