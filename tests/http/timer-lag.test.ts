import { afterAll, beforeAll, expect, it } from "vitest";
import { T0, type TestApp, admin, call, must, provisionStore, startApp } from "./harness.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

it("records how late a due timer fired, from its deadline to the tick", async () => {
  const storeId = await provisionStore(t.url);
  await must(
    call(t.url, "POST", `/api/stores/${storeId}/sessions`, {
      body: { associateId: "ana", pin: "1357" },
    }),
  );
  await must(
    admin(t.url, "POST", `/stores/${storeId}/visits`, { requestId: "lag-1", topicId: "phones" }),
  );
  const offer = (await t.app.service.state(storeId)).offers.first();
  expect(offer?.deadline).toBe(T0 + 30_000);

  // The loop polls late: 2.5 s after the offer's deadline.
  t.clock.now = T0 + 32_500;
  expect(await t.app.service.runDueTimers(t.clock.now)).toBe(1);
  expect((await t.app.service.state(storeId)).offers.first()?.id).not.toBe(offer?.id);

  const metrics = (await call<string>(t.url, "GET", "/metrics")).body;
  expect(metrics).toContain("undivided_timer_lag_seconds_count 1");
  expect(metrics).toContain("undivided_timer_lag_seconds_sum 2.5");
  expect(metrics).toMatch(/undivided_timer_lag_seconds_bucket\{le="2"\} 0/);
  expect(metrics).toMatch(/undivided_timer_lag_seconds_bucket\{le="5"\} 1/);
});
