import { text } from "node:stream/consumers";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AdminClient, CliError } from "./admin-client.js";
import { type Flags, commands } from "./admin-commands.js";

/**
 * The admin CLI: `npm run admin -- <command> …`. Talks to the admin HTTP API of a running server
 * (--url or UNDIVIDED_URL; the token only from ADMIN_TOKEN, so it stays out of shell history and
 * process lists). Exits 0 on success, 1 when the server refused or could not be reached, 2 on a
 * usage mistake; every failure is one human line on stderr.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return fail(`${(error as Error).message}\nRun with --help for the commands.`, 2);
  }
  const { positionals, values } = parsed;
  const [name, ...args] = positionals;
  if (values.help || !name) {
    process.stdout.write(usageText());
    return values.help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) return fail(`There is no command "${name}". Run with --help for the commands.`, 2);
  if (args.length !== command.arity)
    return fail(`Usage: npm run admin -- ${name} ${command.usage}`, 2);
  const token = env.ADMIN_TOKEN;
  if (!token) return fail("Set ADMIN_TOKEN to the server's admin token.", 2);
  const url = values.url ?? env.UNDIVIDED_URL ?? "http://localhost:3000";
  try {
    new URL(url);
  } catch {
    return fail(`"${url}" is not a URL (--url or UNDIVIDED_URL).`, 2);
  }
  try {
    await command.run({
      args,
      flags: values as Flags,
      api: new AdminClient(url, token),
      print: (line) => process.stdout.write(`${line}\n`),
      stdin: () => text(process.stdin),
    });
    return 0;
  } catch (error) {
    if (error instanceof CliError) return fail(error.message, error.exitCode);
    throw error;
  }
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      url: { type: "string" },
      json: { type: "boolean" },
      settings: { type: "string" },
      name: { type: "string" },
      timezone: { type: "string" },
      languages: { type: "string" },
      topic: { type: "string", multiple: true },
      pin: { type: "string" },
      skills: { type: "string" },
      manager: { type: "boolean" },
      "no-qr": { type: "boolean" },
    },
  });
}

function usageText(): string {
  const lines = Object.entries(commands).flatMap(([name, c]) => [
    `  ${name} ${c.usage}`,
    `      ${c.summary}`,
  ]);
  return [
    "Usage: npm run admin -- <command> [arguments] [--url <server>] [--json]",
    "",
    "Talks to the admin API of a running Undivided server.",
    "  ADMIN_TOKEN     the server's admin token (required)",
    "  UNDIVIDED_URL   the server, unless --url is given (default http://localhost:3000)",
    "",
    "Commands:",
    ...lines,
    "",
    "Example:",
    "  ADMIN_TOKEN=… npm run admin -- create-store main --name 'Main St' --timezone Europe/Kyiv \\",
    "      --languages en,uk --topic phones:Phones:P:phones:6",
    "",
  ].join("\n");
}

function fail(message: string, code: number): number {
  process.stderr.write(`admin: ${message}\n`);
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`admin: unexpected failure: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
