import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { App } from "./create-app.js";
import type { Logger } from "./logger.js";

/** The demo store the README's start command sets up: topics, associates with PINs, devices. */
export const DEMO_STORE = "demo";

export const demoAssociates = [
  {
    associateId: "julia",
    name: "Julia Kovalenko",
    pin: "1111",
    skills: ["phones"],
    languages: ["en", "uk"],
    manager: false,
  },
  {
    associateId: "marco",
    name: "Marco Ruiz",
    pin: "2222",
    skills: ["phones", "fashion"],
    languages: ["en", "es"],
    manager: false,
  },
  {
    associateId: "olena",
    name: "Olena Shevchuk",
    pin: "3333",
    skills: ["fashion", "service"],
    languages: ["uk", "en"],
    manager: false,
  },
  {
    associateId: "sam",
    name: "Sam Taylor",
    pin: "9999",
    skills: ["phones", "fashion", "service"],
    languages: ["en"],
    manager: true,
  },
];

const demoSettings = {
  name: "Undivided demo store",
  timezone: "Europe/Kyiv",
  languages: ["en", "uk", "es"],
  topics: [
    // Named in each of the store's languages, so a uk or es customer reads no English.
    {
      id: "phones",
      name: "Phones",
      names: { uk: "Телефони", es: "Teléfonos" },
      letter: "P",
      skill: "phones",
      expectedServiceMin: 6,
    },
    {
      id: "fitting",
      name: "Fitting room",
      names: { uk: "Примірочна", es: "Probador" },
      letter: "F",
      skill: "fashion",
      expectedServiceMin: 4,
    },
    {
      id: "returns",
      name: "Returns",
      names: { uk: "Повернення", es: "Devoluciones" },
      letter: "R",
      skill: "service",
      expectedServiceMin: 3,
    },
  ],
  offerTimeoutSec: 45,
  disconnectGraceSec: 20,
  wideningMin: 8,
  wideningMinBySkill: {},
  wrapUpSec: 20,
  slaWaitMin: 12,
  callAheadHoldMin: 30,
};

export interface DemoDetails {
  storeId: string;
  kioskToken: string;
  displayToken: string;
  associates: typeof demoAssociates;
}

/**
 * Creates the demo store on first start (and remembers its device tokens in the data directory,
 * so every start prints the same pairing links); later starts leave it as it is.
 */
export async function ensureDemoStore(
  app: App,
  dataDir: string,
  logger: Logger,
): Promise<DemoDetails> {
  const file = join(dataDir, "demo-devices.json");
  const state = await app.service.state(DEMO_STORE);
  let tokens: { kioskToken: string; displayToken: string } | undefined;
  try {
    tokens = JSON.parse(await readFile(file, "utf8")) as typeof tokens;
  } catch {
    tokens = undefined;
  }
  if (!state.created) {
    const now = Date.now();
    const run = async (input: Record<string, unknown>) => {
      const result = await app.service.execute(
        DEMO_STORE,
        { requestId: `demo-${String(input.type)}-${String(input.associateId ?? "")}`, ...input },
        now,
      );
      if (!result.ok) throw new Error(`demo setup: ${result.error.code} ${result.error.message}`);
    };
    await run({ type: "store:create", settings: demoSettings });
    for (const { pin, ...a } of demoAssociates) {
      await run({ type: "associate:register", ...a });
      await app.credentials.setPin(DEMO_STORE, a.associateId, pin);
    }
    logger.info({ storeId: DEMO_STORE }, "demo store created");
  }
  if (!tokens) {
    const kiosk = await app.credentials.issueDevice(DEMO_STORE, "kiosk", "Demo kiosk by the door");
    const display = await app.credentials.issueDevice(DEMO_STORE, "display", "Demo wall display");
    tokens = { kioskToken: kiosk.token, displayToken: display.token };
    await writeFile(file, JSON.stringify(tokens), { mode: 0o600 });
  }
  return { storeId: DEMO_STORE, ...tokens, associates: demoAssociates };
}
