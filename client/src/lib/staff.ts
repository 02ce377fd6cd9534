import { type TemplateResult, html, render } from "lit-html";
import { renderSVG } from "uqr";
import { DECLINE_REASON_CODES } from "../../../shared/commands.js";
import type { Ack, ClientEvent, Payload, Reply } from "../../../shared/protocol.js";
import type { AssociateView, Colleague, ManagerView, StaffVisit } from "../../../shared/views.js";
import { limitHint } from "./form-hints.js";
import { language, languageName, preferredLanguage, setLanguage, t } from "./i18n.js";
import { type LinkState, Live, pageParams, requestId } from "./live.js";
import { type Refusal, refusalText } from "./refusals.js";
import { linkBar, minutesAgo, waitText } from "./view.js";
import "./staff-actions.css";

/**
 * What the associate tablet and the manager console share: PIN sign-in, the live link as the
 * signed-in associate, presence, the offer with its countdown, the serving screen and the line.
 * The manager console adds its own panels through `extra`.
 */

export interface StaffPage<V extends AssociateView> {
  /** Which session this page keeps (the console and a tablet can be open side by side). */
  sessionKey: string;
  requireManager: boolean;
  extra?: (view: V, ctx: StaffContext) => TemplateResult | string;
}

export interface StaffContext {
  storeId: string;
  /** The signed-in session's token, for the manager's HTTP calls. */
  token: () => string;
  /** Sends as the signed-in associate; a refusal is shown on the page. Answers whether it worked. */
  send: <E extends ClientEvent>(
    event: E,
    payload: Omit<Payload<E>, "requestId">,
  ) => Promise<boolean>;
  /** As `send`, answering the whole reply (a refusal is still shown on the page). */
  call: <E extends ClientEvent>(
    event: E,
    payload: Omit<Payload<E>, "requestId">,
  ) => Promise<Ack<Reply<E>>>;
  /** Asks before doing something that cannot simply be taken back (shown in the page). */
  confirm: (ask: Confirmation) => void;
  redraw: () => void;
  now: () => number;
}

/** A question in the page before an action: `run` only on "yes"; without `yes`, only "cancel". */
export interface Confirmation {
  text: string;
  yes?: { label: string; danger?: boolean; run: () => void };
  /** Another way out (e.g. "Transfer the visit"). */
  other?: { label: string; run: () => void };
}

interface Session {
  token: string;
  associateId: string;
  name: string;
  role: string;
}

export function startStaffPage<V extends AssociateView>(page: StaffPage<V>): void {
  const { storeId } = pageParams();
  const root = document.getElementById("app") as HTMLElement;
  setLanguage(preferredLanguage(["en", "uk", "es"]));
  let session: Session | undefined =
    JSON.parse(localStorage.getItem(page.sessionKey) ?? "null") ?? undefined;
  let live: Live<V> | undefined;
  let view: V | undefined;
  let link: LinkState = "connecting";
  let linkDetail: Refusal | undefined;
  let message = "";
  let signInError = "";
  let lastOfferId: string | undefined;
  let soundPlayed = 0;
  let pane: "none" | "transfer" | "decline" | "walk-in" = "none";
  /** The decline pane's "other": the associate says why in their own words. */
  let declineOther = false;
  /** What was just done, said once (a walk-in's code, a customer brought back). */
  let notice: TemplateResult | string = "";
  let confirming: Confirmation | undefined;

  async function call<E extends ClientEvent>(
    event: E,
    payload: Omit<Payload<E>, "requestId">,
  ): Promise<Ack<Reply<E>>> {
    if (!live) return { ok: false, error: { code: "UNAVAILABLE", message: t("link.connecting") } };
    const answer = await live.send(event, {
      requestId: requestId(session?.associateId ?? "staff"),
      ...payload,
    } as Payload<E>);
    message = answer.ok ? "" : refusalText(answer.error, "staff");
    notice = "";
    pane = "none";
    draw();
    return answer;
  }

  const ctx: StaffContext = {
    storeId,
    token: () => session?.token ?? "",
    send: async (event, payload) => (await call(event, payload)).ok,
    call,
    confirm: (ask) => {
      confirming = ask;
      draw();
      // The question has the focus, so a keyboard or screen reader lands on it.
      root.querySelector<HTMLButtonElement>("[role=alertdialog] button")?.focus();
    },
    redraw: () => draw(),
    now: () => Date.now(),
  };

  function connect(): void {
    if (!session) return;
    live = new Live<V>({
      auth: { storeId, sessionToken: session.token },
      onView: (next) => {
        if (next.offer && next.offer.offerId !== lastOfferId) {
          lastOfferId = next.offer.offerId;
          chime();
          soundPlayed++;
        }
        if (!next.offer) lastOfferId = undefined;
        view = next;
        draw();
      },
      onState: (state, detail) => {
        link = state;
        linkDetail = detail;
        if (state === "refused") signOutLocally(detail ? refusalText(detail, "staff") : "");
        draw();
      },
    });
  }

  function signOutLocally(reason: string): void {
    live?.close();
    live = undefined;
    session = undefined;
    view = undefined;
    localStorage.removeItem(page.sessionKey);
    signInError = reason;
  }

  async function signIn(event: Event): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const associateId = String(form.get("associateId") ?? "").trim();
    const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ associateId, pin: String(form.get("pin") ?? "") }),
    });
    const body = (await response.json()) as {
      token?: string;
      role?: string;
      name?: string;
      error?: Refusal;
    };
    if (!response.ok || !body.token) {
      signInError = body.error ? refusalText(body.error, "staff") : t("staff.signInFailed");
      draw();
      return;
    }
    if (page.requireManager && body.role !== "manager") {
      signInError = t("staff.notManager");
      draw();
      return;
    }
    // The id as the store spells it (sign-in ids are typed in any case).
    const signedInAs = (body as { associateId?: string }).associateId ?? associateId;
    session = {
      token: body.token,
      associateId: signedInAs,
      name: body.name ?? signedInAs,
      role: body.role ?? "associate",
    };
    localStorage.setItem(page.sessionKey, JSON.stringify(session));
    signInError = "";
    connect();
    draw();
  }

  async function signOut(): Promise<void> {
    if (session) {
      const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/sessions`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${session.token}` },
      }).catch(() => undefined);
      // Refused (serving a customer, the store unreachable): still signed in, and told why.
      if (!response || (!response.ok && response.status !== 401)) {
        const body = (await response?.json().catch(() => ({}))) as { error?: Refusal };
        message = body?.error ? refusalText(body.error, "staff") : t("staff.signInFailed");
        draw();
        return;
      }
    }
    signOutLocally("");
    draw();
  }

  /** Signing out or going offline while holding a customer: say what it means first. */
  function guarded(v: V, action: "signOut" | "offline", run: () => void): void {
    const held = v.visit?.code;
    const offered = v.offer?.visit.code;
    if (held) {
      ctx.confirm({
        text: t(action === "signOut" ? "staff.guardServingSignOut" : "staff.guardServingOffline", {
          code: held,
        }),
        other: {
          label: t("staff.guardTransfer"),
          run: () => {
            pane = "transfer";
            draw();
          },
        },
      });
    } else if (offered) {
      ctx.confirm({
        text: t(action === "signOut" ? "staff.guardOfferSignOut" : "staff.guardOfferOffline", {
          code: offered,
        }),
        yes: {
          label: t(action === "signOut" ? "staff.signOutAnyway" : "staff.offlineAnyway"),
          run,
        },
      });
    } else run();
  }

  function draw(): void {
    render(
      html`${session ? linkBar(link, linkDetail && refusalText(linkDetail, "staff")) : ""}
        <main class=${session && link !== "live" ? "stale" : ""} data-sound-played=${soundPlayed}>${body()}</main>`,
      root,
    );
  }

  function body() {
    if (!session) return signInForm();
    if (!view) return html`<h1>${t("link.connecting")}</h1>`;
    const v = view;
    return html`<header class="row staff-head">
        <h1>${v.me.name}</h1>
        ${presenceSwitch(v)}
        <button @click=${() => guarded(v, "signOut", () => void signOut())}>${t("staff.signOut")}</button>
      </header>
      ${message ? html`<p role="alert" class="badge danger">${message}</p>` : ""}
      ${confirming ? confirmPane(confirming) : ""}
      ${notice ? html`<div class="card notice" role="status">${notice}</div>` : ""}
      ${awayNotice(v)} ${undoCard(v)}
      ${v.offer ? offerCard(v) : ""} ${v.visit ? servingCard(v) : ""}
      ${wrapUpCard(v)}
      ${page.extra ? page.extra(v, ctx) : ""}
      <div class="staff-columns">
        <section aria-labelledby="line-title">
          <div class="row line-head">
            <h2 id="line-title">${t("staff.line", { count: v.line.length })}</h2>
            <button data-action="walk-in" aria-expanded=${pane === "walk-in"} @click=${() => {
              pane = pane === "walk-in" ? "none" : "walk-in";
              draw();
            }}>${t("staff.walkIn")}</button>
          </div>
          ${pane === "walk-in" ? walkInForm(v) : ""}
          ${lineTable(v.line)}
        </section>
        <section aria-labelledby="colleagues-title">
          <h2 id="colleagues-title">${t("staff.colleagues")}</h2>
          <ul class="colleagues">${v.colleagues.map(colleagueItem)}</ul>
        </section>
      </div>`;
  }

  function signInForm() {
    return html`<h1>${t("staff.signInTitle")}</h1>
      <form class="card sign-in" @submit=${signIn}>
        <label for="associateId">${t("staff.who")}</label>
        <input id="associateId" name="associateId" autocomplete="username" autocapitalize="none" required maxlength="64" />
        <label for="pin">${t("staff.pin")}</label>
        <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" pattern="[0-9]{4,8}" required maxlength="8" />
        ${signInError ? html`<p role="alert" class="badge danger">${signInError}</p>` : ""}
        <button class="primary" type="submit">${t("staff.signIn")}</button>
      </form>`;
  }

  function presenceSwitch(v: V) {
    const me = v.me;
    const set = (p: Colleague["presence"]) => () =>
      void ctx.send("associate:set-presence", { presence: p });
    return html`<div class="row presence" role="group" aria-label=${t("staff.presence")}>
      ${(["available", "away", "offline"] as const).map(
        (p) => html`<button aria-pressed=${me.presence === p} data-presence=${p}
          @click=${() => (p === "offline" && me.presence !== "offline" ? guarded(v, "offline", set(p)) : set(p)())}>${t(`presence.${p}`)}</button>`,
      )}
    </div>`;
  }

  function confirmPane(ask: Confirmation) {
    const close = () => {
      confirming = undefined;
      draw();
    };
    return html`<section class="card confirm" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
      <h2 id="confirm-title">${t("staff.confirmTitle")}</h2>
      <p id="confirm-text">${ask.text}</p>
      <div class="row actions">
        ${
          ask.yes
            ? html`<button class=${ask.yes.danger ? "danger" : "primary"} data-confirm="yes" @click=${() => {
                close();
                ask.yes?.run();
              }}>${ask.yes.label}</button>`
            : ""
        }
        ${
          ask.other
            ? html`<button data-confirm="other" @click=${() => {
                close();
                ask.other?.run();
              }}>${ask.other.label}</button>`
            : ""
        }
        <button data-confirm="cancel" @click=${close}>${t("staff.cancel")}</button>
      </div>
    </section>`;
  }

  /** Why they are away, when the store put them there (a missed offer, a tablet that died). */
  function awayNotice(v: V) {
    if (v.me.presence !== "away" || !v.me.awayReason) return "";
    const text =
      v.me.awayReason === "offer_expired" ? "staff.awayOfferExpired" : "staff.awayTabletLost";
    return html`<div class="card away-notice row" role="status" data-away-reason=${v.me.awayReason}>
      <p>${t(text)}</p>
      <button class="primary" @click=${() => ctx.send("associate:set-presence", { presence: "available" })}>${t("presence.available")}</button>
    </div>`;
  }

  /** A no-show may be taken back for a minute (the customer turned up after all). */
  function undoCard(v: V) {
    const undo = v.undoNoShow;
    const seconds = undo ? Math.ceil((undo.until - Date.now()) / 1000) : 0;
    if (!undo || seconds <= 0) return "";
    return html`<div class="card undo row" role="status" data-undo=${undo.visitId}>
      <p>${t("staff.noShowDone", { code: undo.code })}</p>
      <button class="primary" @click=${async () => {
        const answer = await ctx.call("visit:undo-no-show", { visitId: undo.visitId });
        if (answer.ok) {
          notice = t(
            answer.data.status === "serving" ? "staff.undoneServing" : "staff.undoneWaiting",
            {
              code: undo.code,
            },
          );
          draw();
        }
      }}>${t("staff.undoNoShow", { seconds })}</button>
    </div>`;
  }

  /** Wrap-up with its countdown, and "ready now" to take the next customer at once. */
  function wrapUpCard(v: V) {
    if (v.me.busy !== "wrap_up" || !v.me.wrapUpUntil) return "";
    const seconds = Math.max(0, Math.ceil((v.me.wrapUpUntil - Date.now()) / 1000));
    return html`<div class="card wrap-up row" role="status">
      <p role="timer" aria-live="off">${t("staff.wrapUpLeft", { seconds })}</p>
      <button class="primary" data-action="ready-now" @click=${() => ctx.send("associate:end-wrap-up", {})}>${t("staff.readyNow")}</button>
    </div>`;
  }

  function walkInForm(v: V) {
    // Languages the store is known to help in: the associate's own and the line's.
    const languages = [
      ...new Set([
        ...(v.me.languages ?? []),
        ...v.line.map((x) => x.language).filter((l): l is string => !!l),
      ]),
    ];
    return html`<form class="card walk-in" aria-label=${t("staff.walkInTitle")} @submit=${async (
      e: Event,
    ) => {
      e.preventDefault();
      const form = new FormData(e.target as HTMLFormElement);
      const language = String(form.get("language") ?? "");
      const answer = await ctx.call("visit:walk-in", {
        topicId: String(form.get("topic") ?? ""),
        name: String(form.get("name") ?? ""),
        note: String(form.get("note") ?? ""),
        ...(language ? { language } : {}),
      });
      if (answer.ok) {
        const qr = document.createElement("div");
        qr.className = "qr";
        qr.setAttribute("role", "img");
        qr.setAttribute("aria-label", t("staff.walkInQr"));
        qr.innerHTML = renderSVG(answer.data.customerUrl, { border: 1 });
        notice = html`<div class="row walk-in-added">
          <p><strong class="walk-in-code">${answer.data.code}</strong> ${t("staff.walkInAdded", { code: answer.data.code })}</p>
          ${qr}
          <button @click=${() => {
            notice = "";
            draw();
          }}>${t("staff.close")}</button>
        </div>`;
        draw();
      }
    }}>
      <h3>${t("staff.walkInTitle")}</h3>
      <label for="walk-in-topic">${t("staff.need")}</label>
      <select id="walk-in-topic" name="topic" required>
        ${v.topics.map((topic) => html`<option value=${topic.id}>${topic.name}</option>`)}
      </select>
      <label for="walk-in-name">${t("staff.walkInName")}</label>
      <input id="walk-in-name" name="name" maxlength="40" autocomplete="off" aria-describedby="walk-in-name-limit" />
      ${limitHint("walk-in-name-limit", 40)}
      ${
        languages.length > 0
          ? html`<label for="walk-in-language">${t("staff.walkInLanguage")}</label>
            <select id="walk-in-language" name="language">
              <option value="">${t("staff.walkInAnyLanguage")}</option>
              ${languages.map((l) => html`<option value=${l}>${languageName(l)}</option>`)}
            </select>`
          : ""
      }
      <label for="walk-in-note">${t("staff.walkInNote")}</label>
      <input id="walk-in-note" name="note" maxlength="500" autocomplete="off" aria-describedby="walk-in-note-limit" />
      ${limitHint("walk-in-note-limit", 500)}
      <button class="primary" type="submit">${t("staff.walkInAdd")}</button>
    </form>`;
  }

  function offerCard(v: V) {
    const offer = v.offer;
    if (!offer) return "";
    const seconds = Math.max(0, Math.ceil((offer.deadline - Date.now()) / 1000));
    const visit = offer.visit;
    return html`<section class="card offer" aria-labelledby="offer-title" data-offer=${offer.offerId}>
      <h2 id="offer-title">${t("staff.offerTitle", { code: visit.code })}</h2>
      ${visitDetails(visit)}
      <p class="countdown" role="timer" aria-live="off">${t("staff.countdown", { seconds })}</p>
      <div class="row">
        <button class="primary" @click=${() => ctx.send("offer:accept", { offerId: offer.offerId })}>${t("staff.accept")}</button>
        <button @click=${() => {
          pane = pane === "decline" ? "none" : "decline";
          declineOther = false;
          draw();
        }}>${t("staff.decline")}</button>
      </div>
      ${
        pane === "decline"
          ? html`<form class="row" @submit=${(e: Event) => {
              e.preventDefault();
              // A stable code (managers read it in their language, analytics count it), or
              // the associate's own words for "other".
              const form = new FormData(e.target as HTMLFormElement);
              const code = String(form.get("reason") ?? "");
              const reason =
                code === "other" ? String(form.get("reason-other") ?? "").trim() : code;
              void ctx.send("offer:decline", { offerId: offer.offerId, reason });
            }}>
            <label for="reason" class="visually-hidden">${t("staff.reason")}</label>
            <select id="reason" name="reason" @change=${(e: Event) => {
              declineOther = (e.target as HTMLSelectElement).value === "other";
              draw();
            }}>
              ${[...DECLINE_REASON_CODES, "other"].map((r) => html`<option value=${r}>${t(`reason.${r}`)}</option>`)}
            </select>
            ${
              declineOther
                ? html`<label for="reason-other" class="visually-hidden">${t("staff.reasonOther")}</label>
                  <input id="reason-other" name="reason-other" required maxlength="200" autocomplete="off" placeholder=${t("staff.reasonOther")} />`
                : ""
            }
            <button type="submit">${t("staff.declineConfirm")}</button>
          </form>`
          : ""
      }
    </section>`;
  }

  function servingCard(v: V) {
    const visit = v.visit;
    if (!visit) return "";
    const elapsed = visit.servingSince ? minutesAgo(visit.servingSince) : 0;
    return html`<section class="card serving" aria-labelledby="serving-title">
      <h2 id="serving-title">${t("staff.serving", { code: visit.code })}</h2>
      ${visit.apologyHint ? html`<p class="badge warn" role="note">${t("staff.apology", { minutes: visit.waitedMin })}</p>` : ""}
      ${visitDetails(visit)}
      <p>${t("staff.elapsed", { minutes: elapsed })}</p>
      <form class="complete" @submit=${(e: Event) => {
        e.preventDefault();
        const form = new FormData(e.target as HTMLFormElement);
        const pressed = (e as SubmitEvent).submitter?.getAttribute("value");
        void ctx.send("visit:complete", {
          visitId: visit.visitId,
          outcome: pressed === "follow_up" || pressed === "not_resolved" ? pressed : "resolved",
          note: String(form.get("note") ?? ""),
        });
      }}>
        <label for="complete-note">${t("staff.note")}</label>
        <input id="complete-note" name="note" maxlength="1000" />
        <div class="row actions outcomes">
          ${(["resolved", "follow_up", "not_resolved"] as const).map(
            (o) =>
              html`<button type="submit" value=${o} data-outcome=${o} class=${o === "resolved" ? "primary" : ""}>${t(`outcome.${o}`)}</button>`,
          )}
        </div>
      </form>
      <div class="row actions" role="group" aria-label=${t("staff.visitActions")}>
        <button data-action="transfer" aria-expanded=${pane === "transfer"} @click=${() => {
          pane = pane === "transfer" ? "none" : "transfer";
          draw();
        }}>${t("staff.transfer")}</button>
        <button data-action="no-show" @click=${() =>
          ctx.confirm({
            text: t("staff.noShowConfirm", { code: visit.code }),
            yes: {
              label: t("staff.noShowYes"),
              danger: true,
              run: () => void ctx.send("visit:no-show", { visitId: visit.visitId }),
            },
          })}>${t("staff.noShow")}</button>
        <button class="danger" data-action="call-manager" @click=${() => ctx.send("manager:call", { visitId: visit.visitId, note: "" })}>${t("staff.callManager")}</button>
      </div>
      ${pane === "transfer" ? transferForm(v, visit) : ""}
    </section>`;
  }

  function transferForm(v: V, visit: StaffVisit) {
    return html`<form class="card transfer" @submit=${(e: Event) => {
      e.preventDefault();
      const form = new FormData(e.target as HTMLFormElement);
      const target = String(form.get("target") ?? "");
      const [kind, id] = target.split(":");
      const select = (e.target as HTMLFormElement).querySelector<HTMLSelectElement>("#target");
      const to = select?.selectedOptions[0]?.textContent ?? "";
      void ctx
        .send("visit:transfer", {
          visitId: visit.visitId,
          ...(kind === "topic" ? { toTopicId: id } : { toAssociateId: id }),
          note: String(form.get("note") ?? ""),
        })
        .then((done) => {
          // The visit leaves this tablet: say where it went.
          if (!done) return;
          notice = t("staff.transferred", { code: visit.code, to });
          draw();
        });
    }}>
      <label for="target">${t("staff.transferTo")}</label>
      <select id="target" name="target" required>
        <optgroup label=${t("staff.topics")}>
          ${v.topics.map((topic) => html`<option value=${`topic:${topic.id}`}>${topic.name}</option>`)}
        </optgroup>
        <optgroup label=${t("staff.colleagues")}>
          ${v.colleagues.map((c) => html`<option value=${`associate:${c.id}`}>${c.name}</option>`)}
        </optgroup>
      </select>
      <label for="transfer-note">${t("staff.transferNote")}</label>
      <input id="transfer-note" name="note" maxlength="500" aria-describedby="transfer-note-limit" />
      ${limitHint("transfer-note-limit", 500)}
      <button class="primary" type="submit">${t("staff.transferConfirm")}</button>
    </form>`;
  }

  function visitDetails(visit: StaffVisit) {
    return html`<dl class="visit-details">
      <dt>${t("staff.need")}</dt><dd>${topicNameIn(view, visit)}</dd>
      <dt>${t("staff.customer")}</dt><dd>${visit.name || t("staff.noName")}${visit.language ? ` (${visit.language})` : ""}</dd>
      ${visit.note ? html`<dt>${t("staff.noteLabel")}</dt><dd>${visit.note}</dd>` : ""}
      ${visit.notes.map((n) => html`<dt>${t("staff.handover")}</dt><dd>${n.text}</dd>`)}
      <dt>${t("staff.waited")}</dt><dd>${t("staff.minutes", { minutes: visit.waitedMin })}</dd>
    </dl>`;
  }

  function lineTable(line: StaffVisit[]): TemplateResult {
    if (line.length === 0) return html`<p class="muted">${t("staff.lineEmpty")}</p>`;
    return html`<table>
      <thead><tr><th scope="col">${t("staff.code")}</th><th scope="col">${t("staff.need")}</th><th scope="col">${t("staff.customer")}</th><th scope="col">${t("staff.waited")}</th><th scope="col">${t("staff.status")}</th></tr></thead>
      <tbody>
        ${line.map(
          (v) => html`<tr data-visit=${v.visitId}>
            <td>${v.code}</td><td>${topicNameIn(view, v)}</td><td>${v.name || html`<span class="muted">${t("staff.noName")}</span>`}${v.note ? html`<br /><small class="muted">${v.note}</small>` : ""}</td>
            <td>${t("staff.minutes", { minutes: v.waitedMin })}${v.wait ? html`<br /><small class="muted">${waitText(v.wait)}</small>` : ""}</td>
            <td><span class="badge ${v.slaBreached ? "danger" : ""}">${t(`status.${v.status}`)}${v.paused ? ` · ${t("status.paused")}` : ""}</span>${
              v.paused && v.status === "waiting"
                ? html` <button class="bring-back" data-bring-back=${v.visitId} aria-label=${t("staff.bringBackLabel", { code: v.code })}
                    @click=${async () => {
                      if (await ctx.send("visit:bring-back", { visitId: v.visitId })) {
                        notice = t("staff.broughtBack", { code: v.code });
                        draw();
                      }
                    }}>${t("staff.bringBack")}</button>`
                : ""
            }</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  function colleagueItem(c: Colleague) {
    return html`<li><span class="badge ${c.presence === "available" ? "ok" : c.presence === "away" ? "warn" : ""}">${t(`presence.${c.presence}`)}</span>
      ${c.name}${c.busy ? html` <small class="muted">${t(`busy.${c.busy}`)}</small>` : ""}${
        // "Tablet offline" matters for someone on shift; an Offline badge says it already.
        c.connected || c.presence === "offline"
          ? ""
          : html` <small class="muted">${t("staff.noTablet")}</small>`
      }</li>`;
  }

  // Countdowns (offer, wrap-up, undo) tick every second without a new view.
  window.setInterval(() => {
    if (view?.offer || view?.me.wrapUpUntil || view?.undoNoShow) draw();
  }, 1000);
  connect();
  draw();
}

/** A visit's topic in the page's language, where the store named it so; else its name. */
export function topicNameIn(view: AssociateView | undefined, visit: StaffVisit): string {
  const topic = view?.topics.find((x) => x.id === visit.topicId);
  return topic?.names?.[language()] ?? visit.topicName;
}

/** A short two-tone chime for a new offer (browsers allow it once the page has been touched). */
function chime(): void {
  try {
    const audio = new AudioContext();
    for (const [i, frequency] of [660, 880].entries()) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(audio.destination);
      tone.start(audio.currentTime + i * 0.2);
      tone.stop(audio.currentTime + i * 0.2 + 0.18);
    }
  } catch {
    // No audio on this device: the offer card is still shown.
  }
}

export type { ManagerView };
