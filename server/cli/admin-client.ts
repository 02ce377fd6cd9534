/** A refusal or failure worth one human line; the CLI prints it and exits non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    /** 2 for a usage mistake, 1 for anything the server or network said. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The admin HTTP API of one running server, with the admin token as the bearer. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /**
   * One JSON request under /api. Answers the parsed body (undefined for 204); throws a CliError
   * carrying the server's error code and message, or why the server could not be reached.
   */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const url = `${this.baseUrl.replace(/\/$/, "")}/api${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const e = error as {
        name?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      const why =
        e.name === "TimeoutError"
          ? "no answer in time"
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new CliError(`Cannot reach the server at ${this.baseUrl} (${why}).`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${method} ${path}: HTTP ${response.status}, and the answer is not JSON.`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CliError(
        error
          ? `${error.message ?? "refused"} (${error.code ?? `HTTP ${response.status}`})`
          : `${method} ${path}: HTTP ${response.status}.`,
      );
    }
    return parsed as T;
  }
}
