/**
 * Every Redis key of the analytics read models, under the deployment's prefix and the store's
 * hash tag `{storeId}` (one Redis Cluster slot with the rest of the store, so save.lua may
 * write them together).
 */
export const analyticsKeys = (prefix: string) => ({
  /** Hash: `version` (the cursor: commits folded) and `working` (the fold's memory, JSON). */
  cursor: (storeId: string) => `${prefix}{${storeId}}:analytics:cursor`,
  /** Hash: local day (YYYY-MM-DD) → the day's cells (JSON). */
  days: (storeId: string) => `${prefix}{${storeId}}:analytics:days`,
  /** Hash: local day → the day's rollup (JSON, rollup.ts), saved with the day. */
  rollups: (storeId: string) => `${prefix}{${storeId}}:analytics:rollups`,
  /** Hash: local day → the newest version folded into it. */
  through: (storeId: string) => `${prefix}{${storeId}}:analytics:through`,
});
