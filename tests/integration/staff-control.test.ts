import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssociateView, CustomerView } from "../../shared/views.js";
import { type Client, World, rid, serverBackends, signIn, tokenOf } from "../support/server.js";

/**
 * Staff in control of the line over real sockets (issue 11, point 1): a tablet comes back from
 * Offline without signing in again, adds a walk-in, brings a browsing customer back, takes a
 * no-show back; the kiosk's "I'm back" by code; sign-in ids typed in any case. Each test checks
 * the answer and what another client (the customer's page) was sent.
 */

const backend = serverBackends[0];

describe.skipIf(!backend?.available)("staff in control of the line", () => {
  let world: World;
  let bo: Client;
  beforeAll(async () => {
    world = await World.start(backend?.name ?? "embedded");
  });
  afterAll(async () => {
    await world.stop();
  });

  it("Offline, then Available again on the same tablet", async () => {
    bo = await world.tablet("bo");
    await bo.ok("associate:set-presence", { requestId: rid(), presence: "offline" });
    await bo.until<AssociateView>((v) => v.me.presence === "offline");
    await bo.ok("associate:set-presence", { requestId: rid(), presence: "available" });
    await bo.until<AssociateView>((v) => v.me.presence === "available");
    await bo.ok("associate:set-presence", { requestId: rid(), presence: "away" });
  });

  it("a walk-in added on a tablet joins the line (channel staff) and is offered", async () => {
    const ana = await world.tablet("ana");
    const ticket = await ana.ok("visit:walk-in", {
      requestId: rid(),
      topicId: "phones",
      name: "Walk In",
      note: "no phone",
    });
    expect(ticket).toMatchObject({ code: expect.stringMatching(/^P-\d{3}$/), duplicate: false });
    expect(ticket.customerUrl).toContain("#token=");
    const offered = await ana.until<AssociateView>(
      (v) => v.offer?.visit.visitId === ticket.visitId,
    );
    expect(offered.offer?.visit).toMatchObject({ channel: "staff", name: "Walk In" });
    await ana.ok("associate:set-presence", { requestId: rid(), presence: "away" });
    // The walk-in's own page works like any customer's: they leave.
    const phone = await world.customer(tokenOf(ticket.customerUrl));
    await phone.ok("visit:leave", { requestId: rid() });
  });

  it("a browsing customer is brought back by a tablet, and by the kiosk's code", async () => {
    const max = await world.tablet("max");
    await max.ok("associate:set-presence", { requestId: rid(), presence: "away" });
    const kiosk = await world.kiosk();
    const ticket = await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
    const phone = await world.customer(tokenOf(ticket.customerUrl));
    await phone.ok("visit:pause", { requestId: rid() });
    await phone.until<CustomerView>((v) => v.paused);

    await max.ok("visit:bring-back", { requestId: rid(), visitId: ticket.visitId });
    await phone.until<CustomerView>((v) => !v.paused);

    await phone.ok("visit:pause", { requestId: rid() });
    await phone.until<CustomerView>((v) => v.paused);
    const typed = ticket.code.toLowerCase().replace("-", "");
    const back = await kiosk.ok("visit:resume-by-code", { requestId: rid(), code: typed });
    expect(back).toMatchObject({ visitId: ticket.visitId, code: ticket.code });
    await phone.until<CustomerView>((v) => !v.paused);
    const again = await kiosk.send("visit:resume-by-code", { requestId: rid(), code: typed });
    expect(again).toMatchObject({ ok: false, error: { code: "INVALID_TRANSITION" } });
    await phone.ok("visit:leave", { requestId: rid() });
  });

  it("a no-show taken back within the minute: the customer is served again", async () => {
    await bo.ok("associate:set-presence", { requestId: rid(), presence: "available" });
    const kiosk = await world.kiosk();
    const ticket = await kiosk.ok("visit:check-in", { requestId: rid(), topicId: "phones" });
    const phone = await world.customer(tokenOf(ticket.customerUrl));
    const offered = await bo.until<AssociateView>((v) => v.offer?.visit.visitId === ticket.visitId);
    await bo.ok("offer:accept", { requestId: rid(), offerId: String(offered.offer?.offerId) });
    const noShow = await bo.ok("visit:no-show", { requestId: rid(), visitId: ticket.visitId });
    expect(noShow.undoUntil).toBe(world.clock.now + 60_000);
    const undoable = await bo.until<AssociateView>((v) => v.undoNoShow !== null);
    expect(undoable.undoNoShow).toMatchObject({ visitId: ticket.visitId, code: ticket.code });
    await phone.until<CustomerView>(
      (v) => v.status === "done" && v.outcome === "no_show" && !v.canGiveFeedback,
    );

    const undo = await bo.ok("visit:undo-no-show", { requestId: rid(), visitId: ticket.visitId });
    expect(undo.status).toBe("serving");
    await phone.until<CustomerView>((v) => v.status === "serving");
    await bo.until<AssociateView>(
      (v) => v.visit?.visitId === ticket.visitId && v.undoNoShow === null,
    );
  });

  it("signs in with the id in any case", async () => {
    const reply = await signIn(world.server.url, world.storeId, "ANA", "1357");
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ associateId: "ana", role: "associate" });
  });
});
