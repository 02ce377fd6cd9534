import { readFile } from "node:fs/promises";
import QRCode from "qrcode";
import { type StoreSettingsInput, type Topic, pinSchema } from "../../shared/settings.js";
import { type AdminClient, CliError } from "./admin-client.js";

/** What a command gets: its positional arguments, the flags, the API, and where to print. */
export interface CommandContext {
  args: string[];
  flags: Flags;
  api: AdminClient;
  print: (line: string) => void;
  /** Reads standard input (for `--pin -`). */
  stdin: () => Promise<string>;
}

export interface Flags {
  json?: boolean;
  settings?: string;
  name?: string;
  timezone?: string;
  languages?: string;
  topic?: string[];
  pin?: string;
  skills?: string;
  manager?: boolean;
  "no-qr"?: boolean;
}

export interface AdminCommand {
  /** Arguments and flags, as the usage text shows them. */
  usage: string;
  summary: string;
  /** How many positional arguments it takes. */
  arity: number;
  run(ctx: CommandContext): Promise<void>;
}

const TOPIC_SPEC = "id:Name:LETTER:skill[:minutes]";

/** Every admin command, in the order the usage text lists them. */
export const commands: Record<string, AdminCommand> = {
  "create-store": {
    usage: `<storeId> (--settings <file.json> | --name <name> [--timezone <zone>] [--languages en,uk] [--topic ${TOPIC_SPEC}]...)`,
    summary: "create a store from a settings file, or from flags",
    arity: 1,
    async run({ args: [storeId], flags, api, print }) {
      const settings = flags.settings
        ? await settingsFile(flags.settings)
        : settingsFromFlags(flags);
      const reply = await api.request("POST", "/admin/stores", { storeId, settings });
      if (flags.json) return print(json(reply));
      print(`Created store ${storeId}.`);
    },
  },
  "show-settings": {
    usage: "<storeId>",
    summary: "print a store's settings as JSON (edit them, then update-settings)",
    arity: 1,
    async run({ args: [storeId], api, print }) {
      const reply = await api.request<{ settings: unknown }>(
        "GET",
        `/admin/stores/${seg(storeId)}/settings`,
      );
      print(json(reply.settings));
    },
  },
  "update-settings": {
    usage: "<storeId> --settings <file.json>",
    summary: "replace a store's settings with those in a file",
    arity: 1,
    async run({ args: [storeId], flags, api, print }) {
      if (!flags.settings) throw usage("update-settings needs --settings <file.json>.");
      const settings = await settingsFile(flags.settings);
      const reply = await api.request("PUT", `/admin/stores/${seg(storeId)}/settings`, settings);
      print(flags.json ? json(reply) : `Settings of ${storeId} updated.`);
    },
  },
  "add-topic": {
    usage: `<storeId> --topic ${TOPIC_SPEC} [--topic …]`,
    summary: "add topics to a store's settings (or change topics of the same id)",
    arity: 1,
    async run({ args: [storeId], flags, api, print }) {
      const added = (flags.topic ?? []).map(parseTopic);
      if (added.length === 0) throw usage(`add-topic needs --topic ${TOPIC_SPEC}.`);
      const path = `/admin/stores/${seg(storeId)}/settings`;
      const { settings } = await api.request<{ settings: { topics: Topic[] } }>("GET", path);
      const ids = new Set(added.map((t) => t.id));
      const topics = [...settings.topics.filter((t) => !ids.has(t.id)), ...added];
      const reply = await api.request("PUT", path, { ...settings, topics });
      if (flags.json) return print(json(reply));
      print(`Topics of ${storeId}: ${topics.map((t) => `${t.name} (${t.letter})`).join(", ")}.`);
    },
  },
  "add-associate": {
    usage:
      "<storeId> <associateId> --name <name> --pin <digits|-> [--skills a,b] [--languages en,uk] [--manager]",
    summary: "add an associate (or manager) with a PIN; --pin - reads it from stdin",
    arity: 2,
    async run({ args: [storeId, associateId], flags, api, print, stdin }) {
      if (!flags.name) throw usage("add-associate needs --name <name>.");
      const body = {
        associateId,
        name: flags.name,
        pin: await pinOf(flags, stdin),
        skills: list(flags.skills),
        languages: flags.languages ? list(flags.languages) : ["en"],
        manager: flags.manager ?? false,
      };
      const reply = await api.request("POST", `/admin/stores/${seg(storeId)}/associates`, body);
      if (flags.json) return print(json(reply));
      const role = body.manager ? "manager" : "associate";
      print(
        `Added ${role} ${associateId} (${body.name}): skills ${body.skills.join(", ") || "none"}, languages ${body.languages.join(", ")}.`,
      );
    },
  },
  "reset-pin": {
    usage: "<storeId> <associateId> --pin <digits|->",
    summary: "set a new PIN (also lifts a lockout)",
    arity: 2,
    async run({ args: [storeId, associateId], flags, api, print, stdin }) {
      const pin = await pinOf(flags, stdin);
      await api.request("PUT", `/admin/stores/${seg(storeId)}/associates/${seg(associateId)}/pin`, {
        pin,
      });
      print(flags.json ? json({ ok: true }) : `PIN of ${associateId} changed.`);
    },
  },
  "issue-device": {
    usage: "<storeId> kiosk|display [--name <name>] [--no-qr]",
    summary: "issue a kiosk or display token: printed once, with its pairing link and QR",
    arity: 2,
    async run({ args: [storeId, kind], flags, api, print }) {
      if (kind !== "kiosk" && kind !== "display")
        throw usage(`A device is a kiosk or a display, not "${kind}".`);
      const name = flags.name ?? (kind === "kiosk" ? "Kiosk" : "Wall display");
      const reply = await api.request<{ deviceId: string; token: string; pairingUrl: string }>(
        "POST",
        `/admin/stores/${seg(storeId)}/devices`,
        { kind, name },
      );
      if (flags.json) return print(json(reply));
      print(`Issued ${kind} "${name}" (device ${reply.deviceId}).`);
      print(`Token (shown only now; keep it secret): ${reply.token}`);
      print(`Pairing link: ${reply.pairingUrl}`);
      if (!flags["no-qr"]) {
        print("Or scan this on the device:");
        print(await QRCode.toString(reply.pairingUrl, { type: "terminal", small: true }));
      }
    },
  },
  "list-devices": {
    usage: "<storeId>",
    summary: "list a store's kiosks and displays",
    arity: 1,
    async run({ args: [storeId], flags, api, print }) {
      const reply = await api.request<{ devices: DeviceRow[] }>(
        "GET",
        `/admin/stores/${seg(storeId)}/devices`,
      );
      if (flags.json) return print(json(reply));
      if (reply.devices.length === 0) return print(`Store ${storeId} has no devices.`);
      for (const d of reply.devices) {
        print(
          `${d.deviceId.padEnd(12)} ${d.kind.padEnd(8)} ${new Date(d.createdAt).toISOString()}  ${d.name}`,
        );
      }
    },
  },
  "revoke-device": {
    usage: "<storeId> <deviceId>",
    summary: "revoke a device token: it can no longer connect",
    arity: 2,
    async run({ args: [storeId, deviceId], flags, api, print }) {
      await api.request("DELETE", `/admin/stores/${seg(storeId)}/devices/${seg(deviceId)}`);
      print(flags.json ? json({ ok: true }) : `Revoked device ${deviceId}.`);
    },
  },
  "set-webhook": {
    usage: "<storeId> <url>",
    summary: "send the store's events to a URL; prints the new signing secret once",
    arity: 2,
    async run({ args: [storeId, url], flags, api, print }) {
      const reply = await api.request<{ url: string; secret: string }>(
        "PUT",
        `/admin/stores/${seg(storeId)}/webhook`,
        { url },
      );
      if (flags.json) return print(json(reply));
      print(`Store ${storeId} now posts its events to ${reply.url}.`);
      print(`Signing secret (shown only now): ${reply.secret}`);
    },
  },
  "remove-webhook": {
    usage: "<storeId>",
    summary: "stop sending the store's events",
    arity: 1,
    async run({ args: [storeId], flags, api, print }) {
      await api.request("DELETE", `/admin/stores/${seg(storeId)}/webhook`);
      print(flags.json ? json({ ok: true }) : `Store ${storeId} no longer has a webhook.`);
    },
  },
  intake: {
    usage: "<storeId> open|close",
    summary: "reopen or close check-in (visits already in line stay)",
    arity: 2,
    async run({ args: [storeId, how], flags, api, print }) {
      if (how !== "open" && how !== "close") throw usage(`intake is open or close, not "${how}".`);
      const reply = await api.request("PUT", `/stores/${seg(storeId)}/intake`, {
        open: how === "open",
      });
      print(
        flags.json
          ? json(reply)
          : `Check-in at ${storeId} is ${how === "open" ? "open" : "closed"}.`,
      );
    },
  },
};

interface DeviceRow {
  deviceId: string;
  kind: string;
  name: string;
  createdAt: number;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const seg = (value: string | undefined) => encodeURIComponent(value ?? "");
const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const usage = (message: string) => new CliError(message, 2);

async function settingsFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw usage(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw usage(`${path} is not valid JSON.`);
  }
}

function settingsFromFlags(flags: Flags): StoreSettingsInput {
  if (!flags.name) throw usage("create-store needs --settings <file.json> or --name <name>.");
  return {
    name: flags.name,
    timezone: flags.timezone ?? "UTC",
    languages: flags.languages ? list(flags.languages) : ["en"],
    topics: (flags.topic ?? []).map(parseTopic),
  };
}

/** `phones:Phones:P:phones:6` → a topic (the minutes are optional). */
function parseTopic(spec: string): Topic {
  const [id, name, letter, skill, minutes, ...rest] = spec.split(":");
  if (!id || !name || !letter || !skill || rest.length > 0)
    throw usage(`A topic is ${TOPIC_SPEC}, e.g. phones:Phones:P:phones:6 (got "${spec}").`);
  const expectedServiceMin = minutes === undefined ? 5 : Number(minutes);
  if (!Number.isInteger(expectedServiceMin))
    throw usage(`The minutes of topic ${id} are not a whole number ("${minutes}").`);
  return { id, name, letter, skill, expectedServiceMin, meetAt: {} };
}

async function pinOf(flags: Flags, stdin: () => Promise<string>): Promise<string> {
  if (flags.pin === undefined)
    throw usage("Give the PIN with --pin <digits>, or --pin - for stdin.");
  const pin = flags.pin === "-" ? (await stdin()).split(/\r?\n/)[0]?.trim() : flags.pin;
  const checked = pinSchema.safeParse(pin);
  if (!checked.success) throw usage("A PIN is 4 to 8 digits.");
  return checked.data;
}
