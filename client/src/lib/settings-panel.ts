import { html, nothing } from "lit-html";
import { renderSVG } from "uqr";
import type { StoreSettingsInput } from "../../../shared/settings.js";
import type { ManagerView } from "../../../shared/views.js";
import { languageName, t } from "./i18n.js";
import { type Refusal, refusalText } from "./refusals.js";
import type { StaffContext } from "./staff.js";

/**
 * The manager's settings: topics and skills, where customers meet the associate (per topic and
 * store language), timers and limits, the analytics targets (saved over the socket as one
 * `store:update-settings`), associates (add, change, PIN reset) and devices (issue a kiosk or
 * display token with its pairing QR, revoke), through the manager API.
 */

interface Device {
  deviceId: string;
  kind: "kiosk" | "display";
  name: string;
  createdAt: number;
}

let devices: Device[] | undefined;
let issued: { name: string; pairingUrl: string } | undefined;
let notice = "";

async function api(
  ctx: StaffContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`/api/stores/${encodeURIComponent(ctx.storeId)}/manage${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ctx.token()}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown> & { error?: Refusal };
  notice = parsed.error ? refusalText(parsed.error, "staff") : "";
  return parsed;
}

async function loadDevices(ctx: StaffContext): Promise<void> {
  const body = await api(ctx, "GET", "/devices");
  devices = (body.devices as Device[] | undefined) ?? [];
  ctx.redraw();
}

const list = (value: FormDataEntryValue | null) =>
  String(value ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** A topic's text set per language (its names, where to meet, what to bring): a field each. */
function perLanguageRow(
  field: string,
  legend: string,
  languages: readonly string[],
  texts: Record<string, string> | undefined,
  maxlength: number,
) {
  return html`<tr class="meet-at">
    <td></td>
    <td colspan="3"><fieldset>
      <legend>${legend}</legend>
      <div class="grid">
        ${languages.map(
          (l) => html`<div><label for=${`${field}-${l}`}>${languageName(l)}</label>
            <input id=${`${field}-${l}`} name=${`${field}-${l}`} lang=${l} maxlength=${maxlength} .value=${texts?.[l] ?? ""} /></div>`,
        )}
      </div>
    </fieldset></td>
  </tr>`;
}

export function settingsPanel(v: ManagerView, ctx: StaffContext) {
  // Stores created before a setting existed run on its default: show it.
  const settings = {
    declineCooldownSec: 60,
    orphanedVisitMin: 5,
    retentionDays: 30,
    quoteTargetPct: 80,
    serviceLevelPct: 80,
    serviceLevelSec: 300,
    ...(v.settings as StoreSettingsInput),
  };
  const saveSettings = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    /** The texts of one per-language field, by language, without the empty ones. */
    const perLanguage = (field: string): Record<string, string> =>
      Object.fromEntries(
        settings.languages
          .map((l) => [l, String(form.get(`${field}-${l}`) ?? "").trim()])
          .filter(([, text]) => text),
      );
    const topics: StoreSettingsInput["topics"] = settings.topics.map((topic, i) => ({
      ...topic,
      name: String(form.get(`topic-${i}-name`) ?? topic.name),
      skill: String(form.get(`topic-${i}-skill`) ?? topic.skill),
      expectedServiceMin: Number(form.get(`topic-${i}-minutes`) ?? topic.expectedServiceMin),
      // An empty place means the associate goes to the customer: it is left out; an empty
      // name falls back to the topic's name, an empty "bring" says nothing.
      meetAt: perLanguage(`topic-${i}-meet`),
      names: perLanguage(`topic-${i}-names`),
      bring: perLanguage(`topic-${i}-bring`),
    }));
    const added = String(form.get("new-topic-name") ?? "").trim();
    if (added) {
      topics.push({
        id:
          added
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, "") || `topic-${topics.length + 1}`,
        name: added,
        letter: String(form.get("new-topic-letter") ?? "").toUpperCase(),
        skill: String(form.get("new-topic-skill") ?? "").trim(),
        expectedServiceMin: Number(form.get("new-topic-minutes") ?? 5),
      });
    }
    const number = (name: string) => Number(form.get(name));
    void ctx
      .send("store:update-settings", {
        settings: {
          ...settings,
          languages: list(form.get("languages")),
          topics,
          offerTimeoutSec: number("offerTimeoutSec"),
          disconnectGraceSec: number("disconnectGraceSec"),
          wideningMin: number("wideningMin"),
          wrapUpSec: number("wrapUpSec"),
          slaWaitMin: number("slaWaitMin"),
          callAheadHoldMin: number("callAheadHoldMin"),
          declineCooldownSec: number("declineCooldownSec"),
          orphanedVisitMin: number("orphanedVisitMin"),
          retentionDays: number("retentionDays"),
          quoteTargetPct: number("quoteTargetPct"),
          serviceLevelPct: number("serviceLevelPct"),
          serviceLevelSec: number("serviceLevelSec"),
        },
      })
      .then((ok) => {
        notice = ok ? t("settings.saved") : notice;
        ctx.redraw();
      });
  };
  const limit = (name: keyof StoreSettingsInput, label: string, max?: number, min = 0) =>
    html`<label for=${name}>${label}</label><input id=${name} name=${name} type="number" min=${min} max=${max ?? nothing} required .value=${String(settings[name] ?? "")} />`;

  return html`<details class="card settings" @toggle=${(e: Event) => {
    if ((e.target as HTMLDetailsElement).open && !devices) void loadDevices(ctx);
  }}>
    <summary><h2>${t("settings.title")}</h2></summary>
    ${notice ? html`<p role="status" class="badge">${notice}</p>` : ""}
    <form @submit=${saveSettings}>
      <h3>${t("settings.topics")}</h3>
      <table>
        <thead><tr><th scope="col">${t("settings.letter")}</th><th scope="col">${t("settings.topicName")}</th><th scope="col">${t("settings.skill")}</th><th scope="col">${t("settings.minutes")}</th></tr></thead>
        <tbody>
          ${settings.topics.map(
            (topic, i) => html`<tr>
              <td>${topic.letter}</td>
              <td><input aria-label=${t("settings.topicName")} name=${`topic-${i}-name`} .value=${topic.name} required maxlength="40" /></td>
              <td><input aria-label=${t("settings.skill")} name=${`topic-${i}-skill`} .value=${topic.skill} required /></td>
              <td><input aria-label=${t("settings.minutes")} name=${`topic-${i}-minutes`} type="number" min="1" max="240" .value=${String(topic.expectedServiceMin ?? 5)} /></td>
            </tr>
            ${perLanguageRow(`topic-${i}-names`, t("settings.topicNames", { topic: topic.name }), settings.languages, topic.names, 40)}
            ${perLanguageRow(`topic-${i}-meet`, t("settings.meetAt", { topic: topic.name }), settings.languages, topic.meetAt, 80)}
            ${perLanguageRow(`topic-${i}-bring`, t("settings.bring", { topic: topic.name }), settings.languages, topic.bring, 120)}`,
          )}
          <tr>
            <td><input aria-label=${t("settings.newLetter")} name="new-topic-letter" maxlength="1" pattern="[A-Za-z]" /></td>
            <td><input aria-label=${t("settings.newTopic")} name="new-topic-name" maxlength="40" placeholder=${t("settings.newTopic")} /></td>
            <td><input aria-label=${t("settings.newSkill")} name="new-topic-skill" /></td>
            <td><input aria-label=${t("settings.minutes")} name="new-topic-minutes" type="number" min="1" max="240" value="5" /></td>
          </tr>
        </tbody>
      </table>
      <p class="muted">${t("settings.meetAtHint")} ${t("settings.namesHint")}</p>
      <h3>${t("settings.limits")}</h3>
      <div class="grid">
        <div><label for="languages">${t("settings.languages")}</label><input id="languages" name="languages" .value=${settings.languages.join(", ")} required /></div>
        <div>${limit("offerTimeoutSec", t("settings.offerTimeout"))}</div>
        <div>${limit("disconnectGraceSec", t("settings.grace"))}</div>
        <div>${limit("wideningMin", t("settings.widening"))}</div>
        <div>${limit("wrapUpSec", t("settings.wrapUp"))}</div>
        <div>${limit("slaWaitMin", t("settings.sla"))}</div>
        <div>${limit("callAheadHoldMin", t("settings.hold"))}</div>
        <div>${limit("declineCooldownSec", t("settings.declineCooldown"), 3600)}</div>
        <div>${limit("orphanedVisitMin", t("settings.orphanedVisit"), 240)}</div>
        <div>${limit("retentionDays", t("settings.retention"), 365, 1)}</div>
      </div>
      <p class="muted">${t("settings.retentionHint")}</p>
      <h3>${t("settings.analyticsTargets")}</h3>
      <div class="grid">
        <div>${limit("quoteTargetPct", t("settings.quoteTarget"), 100, 1)}</div>
        <div>${limit("serviceLevelPct", t("settings.serviceLevelPct"), 99, 1)}</div>
        <div>${limit("serviceLevelSec", t("settings.serviceLevelSec"), 3600, 30)}</div>
      </div>
      <p class="muted">${t("settings.targetsHint")}</p>
      <button class="primary" type="submit">${t("settings.save")}</button>
    </form>

    <h3>${t("settings.associates")}</h3>
    <table>
      <thead><tr><th scope="col">${t("settings.name")}</th><th scope="col">${t("settings.skills")}</th><th scope="col">${t("settings.languages")}</th><th scope="col">${t("settings.pinReset")}</th></tr></thead>
      <tbody>
        ${[v.me, ...v.colleagues].map(
          (a) => html`<tr>
            <td>${a.name}${a.manager ? html` <span class="badge">${t("settings.manager")}</span>` : ""}</td>
            <td>${(a.skills ?? []).join(", ")}</td><td>${(a.languages ?? []).join(", ")}</td>
            <td><form class="row" @submit=${async (e: Event) => {
              e.preventDefault();
              const pin = String(new FormData(e.target as HTMLFormElement).get("pin") ?? "");
              await api(ctx, "PUT", `/associates/${encodeURIComponent(a.id)}/pin`, { pin });
              notice = notice || t("settings.pinDone", { name: a.name });
              ctx.redraw();
            }}>
              <input aria-label=${t("settings.newPinFor", { name: a.name })} name="pin" type="password" inputmode="numeric" pattern="[0-9]{4,8}" required />
              <button type="submit">${t("settings.reset")}</button>
            </form></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form class="card" @submit=${async (e: Event) => {
      e.preventDefault();
      const form = new FormData(e.target as HTMLFormElement);
      await api(ctx, "POST", "/associates", {
        associateId: String(form.get("associateId")),
        name: String(form.get("name")),
        pin: String(form.get("pin")),
        skills: list(form.get("skills")),
        languages: list(form.get("languages")),
        manager: form.get("manager") === "on",
      });
      ctx.redraw();
    }}>
      <h4>${t("settings.addAssociate")}</h4>
      <div class="grid">
        <div><label for="new-id">${t("staff.who")}</label><input id="new-id" name="associateId" required pattern="[A-Za-z0-9_-]+" /></div>
        <div><label for="new-name">${t("settings.name")}</label><input id="new-name" name="name" required maxlength="40" /></div>
        <div><label for="new-pin">${t("staff.pin")}</label><input id="new-pin" name="pin" type="password" inputmode="numeric" pattern="[0-9]{4,8}" required /></div>
        <div><label for="new-skills">${t("settings.skills")}</label><input id="new-skills" name="skills" /></div>
        <div><label for="new-languages">${t("settings.languages")}</label><input id="new-languages" name="languages" value="en" /></div>
        <div><label class="choice"><input type="checkbox" name="manager" /> ${t("settings.manager")}</label></div>
      </div>
      <button type="submit">${t("settings.add")}</button>
    </form>

    <h3>${t("settings.devices")}</h3>
    <ul>
      ${(devices ?? []).map(
        (d) => html`<li class="row">${d.name} <span class="badge">${d.kind}</span>
          <button class="danger" @click=${async () => {
            await api(ctx, "DELETE", `/devices/${d.deviceId}`);
            await loadDevices(ctx);
          }}>${t("settings.revoke")}</button></li>`,
      )}
    </ul>
    <form class="row" @submit=${async (e: Event) => {
      e.preventDefault();
      const form = new FormData(e.target as HTMLFormElement);
      const body = await api(ctx, "POST", "/devices", {
        kind: String(form.get("kind")),
        name: String(form.get("name")),
      });
      if (typeof body.pairingUrl === "string")
        issued = { name: String(body.name), pairingUrl: body.pairingUrl };
      await loadDevices(ctx);
    }}>
      <label for="device-kind" class="visually-hidden">${t("settings.kind")}</label>
      <select id="device-kind" name="kind"><option value="kiosk">${t("settings.kiosk")}</option><option value="display">${t("settings.display")}</option></select>
      <label for="device-name" class="visually-hidden">${t("settings.deviceName")}</label>
      <input id="device-name" name="name" required maxlength="60" placeholder=${t("settings.deviceName")} />
      <button type="submit">${t("settings.issue")}</button>
    </form>
    ${issued ? pairing(issued) : ""}
  </details>`;
}

function pairing(device: { name: string; pairingUrl: string }) {
  const qr = document.createElement("div");
  qr.className = "qr";
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", t("settings.pairingQr", { name: device.name }));
  qr.innerHTML = renderSVG(device.pairingUrl, { border: 1 });
  return html`<div class="card pairing">
    <p>${t("settings.pairingOnce", { name: device.name })}</p>
    <p><a href=${device.pairingUrl}>${device.pairingUrl}</a></p>
    ${qr}
  </div>`;
}
